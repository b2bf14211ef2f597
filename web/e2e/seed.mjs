// Deterministic seed data for the browser end-to-end tests: a few hundred reports from four
// agencies around the Channel, the central Mediterranean and the Aegean, a smuggling network
// whose entities recur across reports (explicit entity ids), border sections with impact
// levels, a route, and two items that only some users may see:
//  - a fr-paf report marked TLP:RED + H2 (the fr-paf officer sees it; the fr-ocriest
//    analyst, whose scope stops at TLP:AMBER, must not see it anywhere);
//  - fr-gcm (coast guard) reports, which the fr-paf officer (own agency only) must not see.
// Exports the reports and the facts the tests check against.

export const C = "fr-ncc";
export const RESTRICTED_MARKER = "Kestrelovic";
export const COASTGUARD_MARKER = "Albatros";

let s = 7;
const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
const pick = (a) => a[Math.floor(rnd() * a.length)];

const places = [
  { name: "Calais", country: "fr", lon: 1.85, lat: 50.95, section: "Calais–Dunkirk", impact: "high" },
  { name: "Dunkirk", country: "fr", lon: 2.37, lat: 51.03, section: "Calais–Dunkirk", impact: "critical" },
  { name: "Boulogne-sur-Mer", country: "fr", lon: 1.61, lat: 50.72, section: "Côte d'Opale", impact: "medium" },
  { name: "Ostend", country: "be", lon: 2.92, lat: 51.22, section: "Belgian coast", impact: "low" },
  { name: "Lampedusa", country: "it", lon: 12.6, lat: 35.5, section: "Central Mediterranean", impact: "critical" },
  { name: "Lesbos", country: "gr", lon: 26.3, lat: 39.1, section: "Eastern Aegean", impact: "high" },
];

const net = {
  leader: { id: `${C}:ent:p-karim`, schema: "Person", properties: { name: ["Karim Haddad"], birthDate: ["1979"], nationality: ["iq"] } },
  driver: { id: `${C}:ent:p-mohammed`, schema: "Person", properties: { name: ["Mohammed Al-Hassan"], phone: ["+33612345678"] } },
  collector: { id: `${C}:ent:p-leyla`, schema: "Person", properties: { name: ["Leyla Demir"] } },
  truck: { id: `${C}:ent:v-truck1`, schema: "Vehicle", properties: { registrationNumber: ["AB-123-CD"], country: ["fr"] } },
  phone: { id: `${C}:ent:ph-1`, schema: "Phone", properties: { number: ["+33612345678"] } },
  account: { id: `${C}:ent:ba-1`, schema: "BankAccount", properties: { iban: ["BE71096123456769"], bankName: ["Demo Bank"] } },
};

function iso(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const T0 = Date.parse("2025-01-01T00:00:00Z");
const DAY = 86400e3;
const agencies = ["fr-paf", "fr-paf", "be-fedpol", "fr-douane", "fr-gcm"];
const types = { "fr-paf": "interception", "be-fedpol": "intelligence", "fr-douane": "search", "fr-gcm": "incident_at_sea" };
const events = { interception: "unauthorised_crossing", intelligence: "cross_border_crime", search: "cross_border_crime", incident_at_sea: "risk_to_life" };

export const reports = [];
for (let i = 0; i < 240; i++) {
  const agency = agencies[i % agencies.length];
  const p = pick(places);
  const observed = T0 + Math.floor(rnd() * 180) * DAY + Math.floor(rnd() * 20) * 3600e3;
  const rt = types[agency];
  const ents = [
    {
      key: "ev",
      schema: "BorderEvent",
      properties: {
        eventType: [i % 37 === 0 ? "crisis_situation" : events[rt]],
        impact: [p.impact],
        borderSection: [p.section],
        personsInvolved: [String(5 + Math.floor(rnd() * 40))],
      },
    },
  ];
  const roles = [];
  // Every fifth report mentions the network: driver + truck (+ phone), linked to its leader.
  if (i % 5 === 0 && agency !== "fr-gcm") {
    ents.push({ key: "d", ...net.driver, properties: { ...net.driver.properties, associate: [net.leader.id] } });
    ents.push({ key: "t", ...net.truck, properties: { ...net.truck.properties, operator: ["d"] } });
    ents.push({ key: "ph", ...net.phone, properties: { ...net.phone.properties, owner: ["d"] } });
    roles.push({ entity: "d", role: "driver" });
  }
  if (i % 15 === 0 && agency !== "fr-gcm") {
    ents.push({ key: "k", ...net.leader, properties: { ...net.leader.properties } });
    ents.push({ key: "l", ...net.collector, properties: { ...net.collector.properties, associate: ["k"] } });
    ents.push({ key: "a", ...net.account, properties: { ...net.account.properties, holder: ["l"] } });
    roles.push({ entity: "k", role: "organizer" }, { entity: "l", role: "money_collector" });
  }
  if (agency === "fr-gcm" && i % 3 === 0) {
    ents.push({ key: "vs", id: `${C}:ent:vs-${i}`, schema: "Vessel", properties: { name: [`${COASTGUARD_MARKER} ${i}`], flag: ["fr"] } });
  }
  reports.push({
    agency,
    report_type: rt,
    source_ref: `E2E-${String(i).padStart(4, "0")}`,
    author: `Officer ${String.fromCharCode(65 + (i % 26))}.`,
    reported_at: iso(observed + 6 * 3600e3),
    observed_at: iso(observed),
    grading: pick(["A1", "B2", "B3", "C3", "X4"]),
    handling: pick(["H0", "H1", "H1"]),
    tlp: pick(["GREEN", "AMBER", "AMBER"]),
    classification: "restricted",
    language: "en",
    narrative: `${rt.replace(/_/g, " ")} near ${p.name} (e2e report ${i}).`,
    place: {
      name: p.name,
      country: p.country,
      geometry: { type: "Point", coordinates: [+(p.lon + (rnd() - 0.5) * 0.3).toFixed(4), +(p.lat + (rnd() - 0.5) * 0.2).toFixed(4)] },
    },
    entities: ents,
    roles,
  });
}

// A route (analysis layer).
reports.push({
  agency: "be-fedpol", report_type: "intelligence", source_ref: "E2E-ROUTE", reported_at: "2025-03-02T10:00:00Z",
  grading: "B2", handling: "H1", tlp: "AMBER", classification: "restricted",
  narrative: "Route used by the network: Brussels – Ostend – Dunkirk – Calais.",
  place: { name: "Brussels–Calais corridor", geometry: { type: "LineString", coordinates: [[4.35, 50.85], [2.92, 51.22], [2.37, 51.03], [1.85, 50.95]] } },
  entities: [{ key: "tr", schema: "Trip", properties: { route: ["Brussels–Calais"], organizer: [net.leader.id] } }],
});

// The restricted item: fr-paf, TLP:RED and H2, about a new person linked to the driver.
export const RESTRICTED = {
  agency: "fr-paf", report_type: "intelligence", source_ref: "E2E-RED-1",
  reported_at: "2025-04-10T09:00:00Z", observed_at: "2025-04-09T22:00:00Z",
  grading: "A2", handling: "H2", tlp: "RED", classification: "restricted",
  narrative: `Human source reports that ${RESTRICTED_MARKER} finances the Calais crossings.`,
  place: { name: "Gravelines", country: "fr", geometry: { type: "Point", coordinates: [2.13, 51.0] } },
  entities: [
    { key: "z", id: `${C}:ent:p-kestrel`, schema: "Person", properties: { name: [`Zoran ${RESTRICTED_MARKER}`], associate: [net.driver.id] } },
    { key: "d", id: net.driver.id, schema: "Person", properties: { alias: [`${RESTRICTED_MARKER}'s driver`] } },
  ],
  roles: [{ entity: "z", role: "facilitator" }],
};
reports.push(RESTRICTED);

/** What each test user may see (policy: analysts every agency up to TLP:AMBER; officers
 * only their own agency, any TLP). */
export function visibleTo(user, r) {
  if (user === "analyst") return r.tlp !== "RED" && r.tlp !== "AMBER+STRICT";
  if (user === "officer") return r.agency === "fr-paf";
  return false;
}

export const DRIVER_ID = net.driver.id;
export const LEADER_ID = net.leader.id;
export const RESTRICTED_PERSON_ID = `${C}:ent:p-kestrel`;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of reports) process.stdout.write(JSON.stringify(r) + "\n");
}
