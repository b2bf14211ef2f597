//! Where things happen: parking areas, ports, border crossings, sea areas and towns
//! along the four routes (approximate coordinates, WGS 84).

use rand::Rng;

use crate::util::{digits, pick};

#[derive(Clone, Copy, Debug)]
pub struct Place {
    pub name: &'static str,
    pub country: &'static str,
    pub lat: f64,
    pub lon: f64,
}

const fn pl(name: &'static str, country: &'static str, lat: f64, lon: f64) -> Place {
    Place {
        name,
        country,
        lat,
        lon,
    }
}

/// Parking areas where migrants are loaded onto lorries at night (France, Belgium).
pub const CHANNEL_PARKINGS: &[Place] = &[
    pl("Aire de Steenvoorde (A25)", "fr", 50.8042, 2.5714),
    pl("Aire de Grande-Synthe (A16)", "fr", 51.0046, 2.2806),
    pl("Aire de Marck (A16)", "fr", 50.9502, 1.9484),
    pl("Aire de Saint-Laurent-Blangy (A1)", "fr", 50.2985, 2.8051),
    pl("Aire d'Hazebrouck (A25)", "fr", 50.7301, 2.5399),
    pl("Parking Jabbeke (E40)", "be", 51.1812, 3.0899),
    pl("Parking Westkerke (E40)", "be", 51.1638, 2.9672),
    pl("Parking Wetteren (E40)", "be", 51.0046, 3.8824),
    pl("Parking Groot-Bijgaarden (E40)", "be", 50.8717, 4.2581),
    pl("Parking Drongen (E40)", "be", 51.0489, 3.6464),
];

/// Where lorries are checked before the crossing.
pub const CHANNEL_CHECKPOINTS: &[Place] = &[
    pl("Port de Calais, zone de contrôle", "fr", 50.9668, 1.8661),
    pl("Terminal Eurotunnel, Coquelles", "fr", 50.9253, 1.8114),
    pl("Port de Dunkerque, Loon-Plage", "fr", 51.0230, 2.2170),
    pl("Haven van Zeebrugge", "be", 51.3330, 3.2040),
    pl("Haven van Oostende", "be", 51.2338, 2.9267),
];

/// Aegean landing areas (Turkey → Greece leg).
pub const AEGEAN: &[Place] = &[
    pl("North of Lesvos, off Skala Sykamineas", "gr", 39.37, 26.31),
    pl("East of Lesvos, Mytilene strait", "gr", 39.12, 26.62),
    pl("Chios strait", "gr", 38.38, 26.22),
    pl("South of Samos", "gr", 37.68, 26.95),
    pl("Off Kos, Bodrum strait", "gr", 36.93, 27.33),
    pl("Off Farmakonisi", "gr", 37.29, 27.09),
];

/// Departure beaches in Libya.
pub const LIBYA_DEPARTURES: &[Place] = &[
    pl("Zuwara", "ly", 32.93, 12.08),
    pl("Sabratha", "ly", 32.79, 12.48),
    pl("Garabulli", "ly", 32.76, 13.72),
    pl("Zawiya", "ly", 32.76, 12.73),
];

pub const LAMPEDUSA: Place = pl("Lampedusa, Molo Favarolo", "it", 35.4977, 12.6075);
pub const ITALIAN_LANDINGS: &[Place] = &[
    LAMPEDUSA,
    pl("Porto Empedocle", "it", 37.2866, 13.5272),
    pl("Pozzallo", "it", 36.7294, 14.8475),
    pl("Augusta", "it", 37.2232, 15.2166),
];

/// Balkan route checkpoints in Serbia.
pub const BALKAN_CHECKPOINTS: &[Place] = &[
    pl("Preševo, E-75", "rs", 42.3089, 21.6497),
    pl("Granični prelaz Horgoš", "rs", 46.1536, 19.9705),
    pl("Granični prelaz Kelebija", "rs", 46.1727, 19.6103),
    pl("Subotica, Palić", "rs", 46.1027, 19.7636),
    pl("Šid, autoput E-70", "rs", 45.1287, 19.2268),
    pl("Dimitrovgrad, Gradina", "rs", 43.0206, 22.7765),
    pl("Niš, naplatna stanica Doljevac", "rs", 43.2011, 21.8377),
];

/// Andaman Sea and Strait of Malacca positions.
pub const ANDAMAN: &[Place] = &[
    pl("Andaman Sea, off Ranong", "th", 9.80, 97.90),
    pl("Andaman Sea, west of Langkawi", "my", 6.40, 99.30),
    pl("Strait of Malacca, off Penang", "my", 5.40, 99.95),
    pl("Strait of Malacca, off Port Klang", "my", 2.95, 100.95),
    pl("Andaman Sea, off Satun", "th", 6.55, 99.55),
];

pub const SEA_ASIA_PORTS: &[Place] = &[
    pl("Port Klang, Westport", "my", 2.9333, 101.2986),
    pl("Port Klang, Northport", "my", 3.0043, 101.3615),
    pl("Penang Port, Butterworth", "my", 5.4125, 100.3575),
    pl("Langkawi, Kuah jetty", "my", 6.3130, 99.8510),
];

pub const FERRY_PORTS: &[Place] = &[
    pl("Port of Zeebrugge, P&O terminal", "be", 51.3290, 3.1920),
    pl("Port of Zeebrugge, ro-ro quay", "be", 51.3390, 3.2120),
    pl("Port of Zeebrugge, truck parking", "be", 51.3180, 3.2050),
];

/// Where labour inspectors find work: UK for the Channel, Italy for the Mediterranean.
pub const UK_WORKSITES: &[(&str, &str, f64, f64)] = &[
    ("hand car wash", "Birmingham", 52.4730, -1.8460),
    ("hand car wash", "Leicester", 52.6200, -1.1500),
    ("nail bar", "London", 51.5150, -0.0720),
    (
        "vegetable packing house",
        "Boston, Lincolnshire",
        52.9780,
        -0.0270,
    ),
    ("construction site", "Manchester", 53.5000, -2.2400),
    ("takeaway restaurant", "Luton", 51.8800, -0.4200),
];

pub const IT_WORKSITES: &[(&str, &str, f64, f64)] = &[
    ("azienda agricola (pomodori)", "Foggia", 41.4622, 15.5446),
    ("azienda agricola (serre)", "Ragusa", 36.9269, 14.7255),
    ("azienda agricola (kiwi)", "Latina", 41.4676, 12.9036),
    ("cantiere edile", "Caserta", 41.0740, 14.3320),
];

/// Towns with street names and postcodes, for addresses of premises.
struct Town {
    city: &'static str,
    country: &'static str,
    lat: f64,
    lon: f64,
    postcode: fn(&mut dyn rand::RngCore) -> String,
    streets: &'static [&'static str],
    /// how a full address line is composed: number before or after the street
    number_first: bool,
}

const TOWNS: &[Town] = &[
    Town {
        city: "Calais",
        country: "fr",
        lat: 50.9513,
        lon: 1.8587,
        postcode: |_| "62100".into(),
        streets: &[
            "rue de Verdun",
            "rue des Fontinettes",
            "boulevard Gambetta",
            "rue Mollien",
        ],
        number_first: true,
    },
    Town {
        city: "Dunkerque",
        country: "fr",
        lat: 51.0343,
        lon: 2.3768,
        postcode: |_| "59140".into(),
        streets: &[
            "rue de la République",
            "rue Jean Jaurès",
            "avenue de Rosendaël",
        ],
        number_first: true,
    },
    Town {
        city: "Lille",
        country: "fr",
        lat: 50.6292,
        lon: 3.0573,
        postcode: |r| format!("590{:02}", r.next_u32() % 50),
        streets: &[
            "rue de Wazemmes",
            "boulevard de Metz",
            "rue Pierre Legrand",
            "rue des Postes",
        ],
        number_first: true,
    },
    Town {
        city: "Grande-Synthe",
        country: "fr",
        lat: 51.0134,
        lon: 2.3033,
        postcode: |_| "59760".into(),
        streets: &["avenue de l'Ancien Village", "rue du Comte Jean"],
        number_first: true,
    },
    Town {
        city: "Bruxelles",
        country: "be",
        lat: 50.8503,
        lon: 4.3517,
        postcode: |_| "1000".into(),
        streets: &[
            "Rue de Brabant",
            "Boulevard d'Anvers",
            "Rue des Palais",
            "Chaussée de Haecht",
        ],
        number_first: false,
    },
    Town {
        city: "Schaerbeek",
        country: "be",
        lat: 50.8676,
        lon: 4.3737,
        postcode: |_| "1030".into(),
        streets: &[
            "Rue Royale Sainte-Marie",
            "Avenue Louis Bertrand",
            "Rue Gallait",
        ],
        number_first: false,
    },
    Town {
        city: "Anderlecht",
        country: "be",
        lat: 50.8333,
        lon: 4.3070,
        postcode: |_| "1070".into(),
        streets: &[
            "Chaussée de Mons",
            "Rue Wayez",
            "Boulevard Maurice Herbette",
        ],
        number_first: false,
    },
    Town {
        city: "Gent",
        country: "be",
        lat: 51.0543,
        lon: 3.7174,
        postcode: |_| "9000".into(),
        streets: &["Dampoortstraat", "Sleepstraat", "Wondelgemstraat"],
        number_first: false,
    },
    Town {
        city: "Brugge",
        country: "be",
        lat: 51.2093,
        lon: 3.2247,
        postcode: |_| "8000".into(),
        streets: &["Kortrijksestraat", "Gistelse Steenweg"],
        number_first: false,
    },
    Town {
        city: "Antwerpen",
        country: "be",
        lat: 51.2194,
        lon: 4.4025,
        postcode: |_| "2060".into(),
        streets: &["Turnhoutsebaan", "Handelstraat", "Kerkstraat"],
        number_first: false,
    },
    Town {
        city: "London",
        country: "gb",
        lat: 51.5150,
        lon: -0.0720,
        postcode: |r| {
            format!(
                "E{} {}{}",
                1 + r.next_u32() % 17,
                1 + r.next_u32() % 9,
                ["AB", "DQ", "HR", "LT", "NW"][(r.next_u32() % 5) as usize]
            )
        },
        streets: &["Whitechapel Road", "Green Street", "Romford Road"],
        number_first: true,
    },
    Town {
        city: "Birmingham",
        country: "gb",
        lat: 52.4730,
        lon: -1.8460,
        postcode: |r| {
            format!(
                "B{} {}{}",
                6 + r.next_u32() % 20,
                1 + r.next_u32() % 9,
                ["AA", "EL", "JP", "QT"][(r.next_u32() % 4) as usize]
            )
        },
        streets: &["Coventry Road", "Alum Rock Road", "Stratford Road"],
        number_first: true,
    },
    Town {
        city: "Rotterdam",
        country: "nl",
        lat: 51.9244,
        lon: 4.4777,
        postcode: |r| {
            format!(
                "30{:02} {}",
                r.next_u32() % 90 + 10,
                ["AB", "CK", "GH"][(r.next_u32() % 3) as usize]
            )
        },
        streets: &["Westkruiskade", "Nieuwe Binnenweg", "Beijerlandselaan"],
        number_first: false,
    },
    Town {
        city: "Athens",
        country: "gr",
        lat: 37.9838,
        lon: 23.7275,
        postcode: |r| format!("104 {:02}", 30 + r.next_u32() % 10),
        streets: &["Acharnon", "Patision", "Menandrou"],
        number_first: false,
    },
    Town {
        city: "Istanbul",
        country: "tr",
        lat: 41.0082,
        lon: 28.9784,
        postcode: |_| "34096".into(),
        streets: &["Millet Caddesi", "Turgut Özal Caddesi"],
        number_first: false,
    },
    Town {
        city: "Subotica",
        country: "rs",
        lat: 46.1000,
        lon: 19.6650,
        postcode: |_| "24000".into(),
        streets: &["Karađorđeva", "Segedinski put"],
        number_first: false,
    },
    Town {
        city: "Zuwara",
        country: "ly",
        lat: 32.9312,
        lon: 12.0819,
        postcode: |_| String::new(),
        streets: &["Sidi Said Street"],
        number_first: false,
    },
    Town {
        city: "Palermo",
        country: "it",
        lat: 38.1157,
        lon: 13.3615,
        postcode: |_| "90133".into(),
        streets: &["Via Maqueda", "Via Roma", "Corso Tukory"],
        number_first: false,
    },
    Town {
        city: "Ranong",
        country: "th",
        lat: 9.9658,
        lon: 98.6348,
        postcode: |_| "85000".into(),
        streets: &["Ruangrat Road", "Tha Muang Road"],
        number_first: true,
    },
    Town {
        city: "Klang",
        country: "my",
        lat: 3.0449,
        lon: 101.4456,
        postcode: |_| "41000".into(),
        streets: &["Jalan Meru", "Jalan Kapar"],
        number_first: true,
    },
];

/// A real address (of a residence, safe house, garage…).
#[derive(Clone, Debug)]
pub struct Address {
    pub street: String,
    pub city: &'static str,
    pub postcode: String,
    pub country: &'static str,
    pub lat: f64,
    pub lon: f64,
}

impl Address {
    pub fn new<R: Rng>(rng: &mut R, country: &str) -> Address {
        let towns: Vec<&Town> = TOWNS.iter().filter(|t| t.country == country).collect();
        let t = if towns.is_empty() {
            &TOWNS[0]
        } else {
            towns[rng.gen_range(0..towns.len())]
        };
        let street = *pick(rng, t.streets);
        let no = rng.gen_range(1..180);
        let street = if t.number_first {
            format!("{no} {street}")
        } else {
            format!("{street} {no}")
        };
        let postcode = (t.postcode)(rng);
        Address {
            street,
            city: t.city,
            postcode,
            country: t.country,
            lat: t.lat + rng.gen_range(-0.02..0.02),
            lon: t.lon + rng.gen_range(-0.03..0.03),
        }
    }

    pub fn full(&self) -> String {
        if self.postcode.is_empty() {
            format!("{}, {}", self.street, self.city)
        } else if self.country == "gb" {
            format!("{}, {} {}", self.street, self.city, self.postcode)
        } else {
            format!("{}, {} {}", self.street, self.postcode, self.city)
        }
    }
}

/// A position near a place, jittered by up to `km` kilometres.
pub fn near(rng: &mut impl Rng, p: &Place, km: f64) -> (f64, f64) {
    let dlat = km / 111.0;
    let dlon = km / (111.0 * p.lat.to_radians().cos().max(0.2));
    (
        p.lat + rng.gen_range(-dlat..dlat),
        p.lon + rng.gen_range(-dlon..dlon),
    )
}

/// A company registration number in the country's style.
pub fn company_number(rng: &mut impl Rng, country: &str) -> String {
    match country {
        "gb" => digits(rng, 8, false),
        "it" => format!("IT{}", digits(rng, 11, false)),
        "be" => format!(
            "0{}.{}.{}",
            digits(rng, 3, false),
            digits(rng, 3, false),
            digits(rng, 3, false)
        ),
        "fr" => format!(
            "{} {} {}",
            digits(rng, 3, true),
            digits(rng, 3, false),
            digits(rng, 3, false)
        ),
        _ => digits(rng, 10, true),
    }
}
