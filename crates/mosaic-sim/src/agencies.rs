//! The agencies that pool their reports, how each of them writes, and the files they
//! deliver (one stream per file).

use crate::csvout::{
    coded, col, Codes, Col, Encoding, EntLayout, FaultColumns, Fmt, Layout, Spec, Src,
};
use crate::idents::PhoneFmt;
use crate::names::NameStyle;

/// One agency's habits.
pub struct AgencyDef {
    pub id: &'static str,
    pub name: &'static str,
    /// `AgencyKind` term.
    pub kind: &'static str,
    pub country: &'static str,
    /// UTC offset of its clock, seconds east.
    pub offset: i32,
    pub language: &'static str,
    pub names: NameStyle,
    /// How it writes numbers of its own country and foreign ones.
    pub phone_home: PhoneFmt,
    pub phone_foreign: PhoneFmt,
    pub gradings: &'static [(&'static str, u32)],
    pub handlings: &'static [(&'static str, u32)],
    pub tlps: &'static [(&'static str, u32)],
    pub classification: &'static str,
    pub conditions: Option<&'static str>,
}

const fn style(variant: usize, upper_family: bool, father: f64, family_first: bool) -> NameStyle {
    NameStyle {
        variant,
        upper_family,
        father,
        family_first,
        ascii: false,
        serbian: false,
    }
}

pub const AGENCIES: &[AgencyDef] = &[
    AgencyDef {
        id: "fr-paf",
        name: "Police aux frontières (DZPAF Pas-de-Calais / Nord)",
        kind: "border_police",
        country: "fr",
        offset: 3600,
        language: "fr",
        names: style(2, true, 0.3, false),
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::IntlSpaced,
        gradings: &[("B2", 50), ("B3", 25), ("C3", 20), ("A2", 5)],
        handlings: &[("H1", 1)],
        tlps: &[("AMBER", 1)],
        classification: "restricted",
        conditions: None,
    },
    AgencyDef {
        id: "be-police",
        name: "Federale Politie / Police fédérale — Scheepvaartpolitie & FGP West-Vlaanderen",
        kind: "police",
        country: "be",
        offset: 3600,
        language: "nl",
        names: style(3, true, 0.2, true),
        phone_home: PhoneFmt::NationalAlt,
        phone_foreign: PhoneFmt::Intl00,
        gradings: &[("B2", 45), ("C2", 20), ("B3", 35)],
        handlings: &[("H1", 1)],
        tlps: &[("AMBER", 1)],
        classification: "restricted",
        conditions: None,
    },
    AgencyDef {
        id: "gr-hcg",
        name: "Hellenic Coast Guard",
        kind: "coast_guard",
        country: "gr",
        offset: 7200,
        language: "en",
        names: style(1, false, 0.6, false),
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::E164,
        gradings: &[("A1", 30), ("A2", 40), ("B2", 30)],
        handlings: &[("H0", 1)],
        tlps: &[("GREEN", 1)],
        classification: "unclassified",
        conditions: None,
    },
    AgencyDef {
        id: "it-gc",
        name: "Guardia Costiera — IMRCC Roma",
        kind: "coast_guard",
        country: "it",
        offset: 3600,
        language: "it",
        names: style(2, false, 0.5, false),
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::IntlSpaced,
        gradings: &[("A1", 40), ("A2", 60)],
        handlings: &[("H0", 1)],
        tlps: &[("GREEN", 1)],
        classification: "unclassified",
        conditions: None,
    },
    AgencyDef {
        id: "my-mmea",
        name: "Malaysian Maritime Enforcement Agency",
        kind: "coast_guard",
        country: "my",
        offset: 28800,
        language: "en",
        names: style(0, false, 0.2, false),
        phone_home: PhoneFmt::NationalAlt,
        phone_foreign: PhoneFmt::E164,
        gradings: &[("A2", 50), ("B2", 50)],
        handlings: &[("H0", 1)],
        tlps: &[("GREEN", 1)],
        classification: "unclassified",
        conditions: None,
    },
    AgencyDef {
        id: "be-ctif",
        name: "Cellule de traitement des informations financières (CTIF-CFI)",
        kind: "fiu",
        country: "be",
        offset: 3600,
        language: "fr",
        names: style(2, true, 0.1, true),
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::E164,
        gradings: &[("B2", 50), ("B3", 30), ("C3", 20)],
        handlings: &[("H2", 70), ("H1", 30)],
        tlps: &[("RED", 70), ("AMBER", 30)],
        classification: "confidential",
        conditions: None,
    },
    AgencyDef {
        id: "be-piu",
        name: "Port Intelligence Unit Zeebrugge (Customs & Maritime Police)",
        kind: "customs",
        country: "be",
        offset: 3600,
        language: "en",
        names: style(0, false, 0.3, false),
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::IntlSpaced,
        gradings: &[("admiralty:B2", 40), ("admiralty:C3", 40), ("admiralty:B3", 20)],
        handlings: &[("H1", 1)],
        tlps: &[("AMBER", 1)],
        classification: "restricted",
        conditions: None,
    },
    AgencyDef {
        id: "my-piu",
        name: "Port Klang Port Intelligence Unit (Royal Malaysian Customs)",
        kind: "customs",
        country: "my",
        offset: 28800,
        language: "en",
        names: style(1, false, 0.2, false),
        phone_home: PhoneFmt::NationalAlt,
        phone_foreign: PhoneFmt::IntlSpaced,
        gradings: &[("B3", 50), ("C3", 50)],
        handlings: &[("H1", 1)],
        tlps: &[("AMBER", 1)],
        classification: "restricted",
        conditions: None,
    },
    AgencyDef {
        id: "uk-glaa",
        name: "Gangmasters and Labour Abuse Authority",
        kind: "labour_inspection",
        country: "gb",
        offset: 0,
        language: "en",
        names: style(0, false, 0.4, false),
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::IntlSpaced,
        gradings: &[("3x5x2:1BP", 30), ("3x5x2:2BP", 40), ("3x5x2:1AP", 10), ("3x5x2:3CP", 20)],
        handlings: &[("H1", 1)],
        tlps: &[("AMBER", 1)],
        classification: "restricted",
        conditions: None,
    },
    AgencyDef {
        id: "it-inl",
        name: "Ispettorato Nazionale del Lavoro",
        kind: "labour_inspection",
        country: "it",
        offset: 3600,
        language: "it",
        names: style(2, true, 0.3, true),
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::IntlSpaced,
        gradings: &[("B2", 70), ("B3", 30)],
        handlings: &[("H0", 1)],
        tlps: &[("GREEN", 1)],
        classification: "unclassified",
        conditions: None,
    },
    AgencyDef {
        id: "ngo-aid",
        name: "Refugee Aid Network (partner NGO)",
        kind: "ngo",
        country: "be",
        offset: 3600,
        language: "en",
        names: style(1, false, 0.9, false),
        phone_home: PhoneFmt::E164,
        phone_foreign: PhoneFmt::E164,
        gradings: &[],
        handlings: &[("H3", 1)],
        tlps: &[("AMBER+STRICT", 1)],
        classification: "restricted",
        conditions: Some("Protection purposes only: not to be used for enforcement or immigration decisions concerning the person; no onward transfer without the NGO's consent."),
    },
    AgencyDef {
        id: "fr-ocriest",
        name: "Office central pour la répression de l'immigration irrégulière (OCRIEST)",
        kind: "police",
        country: "fr",
        offset: 3600,
        language: "fr",
        names: style(2, true, 0.4, false),
        phone_home: PhoneFmt::NationalCompact,
        phone_foreign: PhoneFmt::Intl00,
        gradings: &[("A2", 40), ("B2", 60)],
        handlings: &[("H1", 1)],
        tlps: &[("AMBER", 1)],
        classification: "confidential",
        conditions: None,
    },
    AgencyDef {
        id: "uk-nca",
        name: "National Crime Agency — Organised Immigration Crime",
        kind: "police",
        country: "gb",
        offset: 0,
        language: "en",
        names: style(0, false, 0.5, false),
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::IntlSpaced,
        gradings: &[("3x5x2:1AP", 50), ("3x5x2:1BP", 50)],
        handlings: &[("H1", 1)],
        tlps: &[("AMBER", 1)],
        classification: "confidential",
        conditions: None,
    },
    AgencyDef {
        id: "it-polizia",
        name: "Polizia di Stato — Squadra Mobile Agrigento",
        kind: "police",
        country: "it",
        offset: 3600,
        language: "it",
        names: style(2, false, 0.5, false),
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::IntlSpaced,
        gradings: &[("C3", 60), ("B3", 40)],
        handlings: &[("H1", 1)],
        tlps: &[("AMBER", 1)],
        classification: "restricted",
        conditions: None,
    },
    AgencyDef {
        id: "rs-bp",
        name: "Uprava granične policije (Border Police Directorate, Serbia)",
        kind: "border_police",
        country: "rs",
        offset: 3600,
        language: "sr",
        names: NameStyle {
            variant: 0,
            upper_family: false,
            father: 0.2,
            family_first: false,
            ascii: false,
            serbian: true,
        },
        phone_home: PhoneFmt::National,
        phone_foreign: PhoneFmt::IntlSpaced,
        gradings: &[("B3", 60), ("B2", 40)],
        handlings: &[("H1", 1)],
        tlps: &[("AMBER", 1)],
        classification: "restricted",
        conditions: None,
    },
];

pub fn agency(id: &str) -> &'static AgencyDef {
    AGENCIES
        .iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("unknown agency {id}"))
}

/// Output files.
pub mod streams {
    pub const PAF: usize = 0;
    pub const BE_INT: usize = 1;
    pub const BE_OPS: usize = 2;
    pub const GR_HCG: usize = 3;
    pub const IT_GC: usize = 4;
    pub const MY_MMEA: usize = 5;
    pub const CTIF: usize = 6;
    pub const BE_PIU: usize = 7;
    pub const MY_PIU: usize = 8;
    pub const GLAA: usize = 9;
    pub const INL: usize = 10;
    pub const NGO: usize = 11;
    pub const OCRIEST: usize = 12;
    pub const NCA: usize = 13;
    pub const POLIZIA: usize = 14;
    pub const RS_BP: usize = 15;
}

pub struct StreamDef {
    pub file: &'static str,
    pub agency: &'static str,
    pub what: &'static str,
    pub csv: Option<fn() -> (Layout, FaultColumns)>,
}

pub const STREAMS: &[StreamDef] = &[
    StreamDef { file: "fr-paf-interceptions.csv", agency: "fr-paf", what: "lorry interceptions at the Channel ports, one row per person (Windows-1252, ';', French dates, decimal commas)", csv: Some(paf_layout) },
    StreamDef { file: "be-police-interceptions.csv", agency: "be-police", what: "interceptions on E40 parkings and in Zeebrugge, one row per person (UTF-8, ',', Belgian dates, decimal commas)", csv: Some(be_layout) },
    StreamDef { file: "be-police-operations.jsonl", agency: "be-police", what: "arrests, searches and arrest warrants of the joint operation (Belgium)", csv: None },
    StreamDef { file: "gr-hcg-incidents.jsonl", agency: "gr-hcg", what: "Aegean incidents: interceptions and rescues", csv: None },
    StreamDef { file: "it-gc-incidents.jsonl", agency: "it-gc", what: "central Mediterranean search and rescue events, landings, shipwrecks", csv: None },
    StreamDef { file: "my-mmea-incidents.jsonl", agency: "my-mmea", what: "Andaman Sea and Strait of Malacca interceptions", csv: None },
    StreamDef { file: "be-ctif-str.csv", agency: "be-ctif", what: "suspicious transaction reports, one row per transaction (';', decimal commas)", csv: Some(ctif_layout) },
    StreamDef { file: "be-piu-reports.jsonl", agency: "be-piu", what: "Zeebrugge port intelligence: narrative with a few fields", csv: None },
    StreamDef { file: "my-piu-reports.jsonl", agency: "my-piu", what: "Port Klang intelligence on vessels: narrative with a few fields", csv: None },
    StreamDef { file: "uk-glaa-inspections.jsonl", agency: "uk-glaa", what: "labour inspections (UK)", csv: None },
    StreamDef { file: "it-inl-inspections.jsonl", agency: "it-inl", what: "labour inspections (Italy)", csv: None },
    StreamDef { file: "ngo-aid-referrals.jsonl", agency: "ngo-aid", what: "protection referrals of children and victims of trafficking, consent noted", csv: None },
    StreamDef { file: "fr-ocriest-reports.jsonl", agency: "fr-ocriest", what: "telephone intercepts, arrests and searches (France)", csv: None },
    StreamDef { file: "uk-nca-operations.jsonl", agency: "uk-nca", what: "arrests and searches of the joint operation (United Kingdom)", csv: None },
    StreamDef { file: "it-polizia-debriefs.jsonl", agency: "it-polizia", what: "debriefs of rescued migrants (who was paid, how much) and arrests of boat pilots", csv: None },
    StreamDef { file: "rs-bp-interceptions.csv", agency: "rs-bp", what: "Balkan route interceptions, one row per person (',', Serbian dates)", csv: Some(rs_layout) },
];

// ---------------------------------------------------------------- code lists

/// Alpha-3 → alpha-2 code list for nationality columns.
fn alpha3_codes() -> Codes {
    // built once per process; the layouts live as long as the program
    static CODES: std::sync::OnceLock<Vec<(&'static str, &'static str)>> =
        std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        crate::idents::ALPHA2
            .iter()
            .map(|a2| (crate::idents::alpha3(a2), *a2))
            .collect()
    })
}

const YES_NO_FR: Codes = &[("O", "true"), ("N", "false")];
const YES_NO_NL: Codes = &[("J", "true"), ("N", "false")];
const YES_NO_SR: Codes = &[("DA", "true"), ("NE", "false")];

fn with_map(mut c: Col, m: Codes) -> Col {
    c.map = Some(m);
    c
}

// ---------------------------------------------------------------- layouts

/// The French border police export: one row per person found in a lorry.
pub fn paf_layout() -> (Layout, FaultColumns) {
    let a3 = alpha3_codes();
    let cols = vec![
        col("num_procedure", Src::Extra("procedure"), Fmt::Text),
        col("num_fiche", Src::Report("source_ref"), Fmt::Text),
        col(
            "date_faits",
            Src::Report("observed_at"),
            Fmt::Instant("%d/%m/%Y %H:%M"),
        ),
        col(
            "date_saisie",
            Src::Report("reported_at"),
            Fmt::Instant("%d/%m/%Y %H:%M"),
        ),
        col("service", Src::Extra("service"), Fmt::Text),
        col("lieu", Src::Report("place.name"), Fmt::Text),
        col("lat", Src::Report("place.lat"), Fmt::Num),
        col("lon", Src::Report("place.lon"), Fmt::Num),
        col("immat", Src::Prop("truck", "registrationNumber"), Fmt::Text),
        col("pays_immat", Src::Prop("truck", "country"), Fmt::Text),
        col("marque", Src::Prop("truck", "make"), Fmt::Text),
        coded(
            "qualite",
            Src::Role("person"),
            &[
                ("CONDUCTEUR", "driver"),
                ("PASSAGER", "smuggled_migrant"),
                ("TEMOIN", "witness"),
            ],
        ),
        col("nom", Src::Prop("person", "lastName"), Fmt::Text),
        col("prenom", Src::Prop("person", "firstName"), Fmt::Text),
        col(
            "ddn",
            Src::Prop("person", "birthDate"),
            Fmt::Date("%d/%m/%Y"),
        ),
        with_map(
            col("nationalite", Src::Prop("person", "nationality"), Fmt::Text),
            a3,
        ),
        coded(
            "sexe",
            Src::Prop("person", "gender"),
            &[("M", "male"), ("F", "female")],
        ),
        coded("mineur", Src::Prop("person", "child"), YES_NO_FR),
        coded(
            "demande_asile",
            Src::Prop("person", "asylumApplicant"),
            YES_NO_FR,
        ),
        col("tel", Src::Prop("phone", "number"), Fmt::Text),
        coded(
            "type_doc",
            Src::Prop("doc", "type"),
            &[
                ("PASSEPORT", "passport"),
                ("CNI", "id_card"),
                ("TITRE_SEJOUR", "residence_permit"),
            ],
        ),
        col("num_doc", Src::Prop("doc", "number"), Fmt::Text),
        with_map(col("pays_doc", Src::Prop("doc", "country"), Fmt::Text), a3),
        coded("doc_faux", Src::Prop("doc", "forged"), YES_NO_FR),
        col(
            "nb_personnes",
            Src::Prop("event", "personsInvolved"),
            Fmt::Num,
        ),
        col("cotation", Src::Report("grading"), Fmt::Text),
        col("observations", Src::Report("narrative"), Fmt::Text),
    ];
    let layout = Layout {
        agency: "fr-paf",
        comment: "Police aux frontières: interceptions export (one row per person), Windows-1252, ';', French dates, decimal commas.",
        encoding: Encoding::Cp1252,
        delimiter: b';',
        date_formats: &["%d/%m/%Y %H:%M", "%d/%m/%Y"],
        timezone: "+01:00",
        offset: 3600,
        decimal_comma: true,
        columns: cols,
        report: vec![
            ("report_type", Spec::Const("interception")),
            ("source_ref", Spec::Col("num_fiche")),
            ("reported_at", Spec::Col("date_saisie")),
            ("observed_at", Spec::Col("date_faits")),
            ("grading", Spec::Col("cotation")),
            ("handling", Spec::Const("H1")),
            ("tlp", Spec::Const("AMBER")),
            ("classification", Spec::Const("restricted")),
            ("language", Spec::Const("fr")),
            ("narrative", Spec::Col("observations")),
            ("place.name", Spec::Col("lieu")),
            ("place.country", Spec::Const("fr")),
            ("place.lat", Spec::Col("lat")),
            ("place.lon", Spec::Col("lon")),
        ],
        entities: vec![
            EntLayout {
                key: "person",
                schema: "Person",
                props: vec![
                    ("name", Spec::Template("{prenom} {nom}")),
                    ("firstName", Spec::Col("prenom")),
                    ("lastName", Spec::Col("nom")),
                    ("birthDate", Spec::Col("ddn")),
                    ("nationality", Spec::Col("nationalite")),
                    ("gender", Spec::Col("sexe")),
                    ("child", Spec::Col("mineur")),
                    ("asylumApplicant", Spec::Col("demande_asile")),
                ],
            },
            EntLayout {
                key: "phone",
                schema: "Phone",
                props: vec![("number", Spec::Col("tel")), ("owner", Spec::Const("person"))],
            },
            EntLayout {
                key: "doc",
                schema: "IdentityDocument",
                props: vec![
                    ("type", Spec::Col("type_doc")),
                    ("number", Spec::Col("num_doc")),
                    ("country", Spec::Col("pays_doc")),
                    ("forged", Spec::Col("doc_faux")),
                    ("holder", Spec::Const("person")),
                ],
            },
            EntLayout {
                key: "truck",
                schema: "Vehicle",
                props: vec![
                    ("registrationNumber", Spec::Col("immat")),
                    ("country", Spec::Col("pays_immat")),
                    ("make", Spec::Col("marque")),
                ],
            },
            EntLayout {
                key: "event",
                schema: "BorderEvent",
                props: vec![
                    ("eventType", Spec::Const("unauthorised_crossing")),
                    ("date", Spec::Col("date_faits")),
                    ("place", Spec::Col("lieu")),
                    ("personsInvolved", Spec::Col("nb_personnes")),
                    ("vehicle", Spec::Const("truck")),
                ],
            },
        ],
        roles: vec![("person", Spec::Col("qualite"))],
        cache: Default::default(),
    };
    (
        layout,
        FaultColumns {
            date: "date_saisie",
            grading: "cotation",
            number: "nb_personnes",
            country: "nationalite",
        },
    )
}

/// The Belgian federal police export (Dutch headers).
pub fn be_layout() -> (Layout, FaultColumns) {
    let a3 = alpha3_codes();
    let cols = vec![
        col("pv_nummer", Src::Report("source_ref"), Fmt::Text),
        col(
            "datum_feiten",
            Src::Report("observed_at"),
            Fmt::Instant("%d-%m-%Y %H:%M"),
        ),
        col(
            "datum_pv",
            Src::Report("reported_at"),
            Fmt::Instant("%d-%m-%Y %H:%M"),
        ),
        col("eenheid", Src::Extra("service"), Fmt::Text),
        col("plaats", Src::Report("place.name"), Fmt::Text),
        col("breedte", Src::Report("place.lat"), Fmt::Num),
        col("lengte", Src::Report("place.lon"), Fmt::Num),
        col(
            "nummerplaat",
            Src::Prop("truck", "registrationNumber"),
            Fmt::Text,
        ),
        col("land_voertuig", Src::Prop("truck", "country"), Fmt::Text),
        coded(
            "hoedanigheid",
            Src::Role("person"),
            &[
                ("BESTUURDER", "driver"),
                ("TRANSMIGRANT", "smuggled_migrant"),
                ("GETUIGE", "witness"),
            ],
        ),
        col("naam", Src::Prop("person", "name"), Fmt::Text),
        col(
            "geboortedatum",
            Src::Prop("person", "birthDate"),
            Fmt::Date("%d-%m-%Y"),
        ),
        with_map(
            col(
                "nationaliteit",
                Src::Prop("person", "nationality"),
                Fmt::Text,
            ),
            a3,
        ),
        coded(
            "geslacht",
            Src::Prop("person", "gender"),
            &[("M", "male"), ("V", "female")],
        ),
        coded("minderjarig", Src::Prop("person", "child"), YES_NO_NL),
        col("gsm", Src::Prop("phone", "number"), Fmt::Text),
        col(
            "aantal_personen",
            Src::Prop("event", "personsInvolved"),
            Fmt::Num,
        ),
        col("betrouwbaarheid", Src::Report("grading"), Fmt::Text),
        col("opmerkingen", Src::Report("narrative"), Fmt::Text),
    ];
    let layout = Layout {
        agency: "be-police",
        comment: "Federale Politie: transmigration interceptions (one row per person), UTF-8, ',', Belgian dates, decimal commas.",
        // Excel writes a BOM here; mosaic-io cannot read a BOM-prefixed CSV header yet
        // (reported), so the BOM is left out until it can.
        encoding: Encoding::Utf8,
        delimiter: b',',
        date_formats: &["%d-%m-%Y %H:%M", "%d-%m-%Y"],
        timezone: "+01:00",
        offset: 3600,
        decimal_comma: true,
        columns: cols,
        report: vec![
            ("report_type", Spec::Const("interception")),
            ("source_ref", Spec::Col("pv_nummer")),
            ("reported_at", Spec::Col("datum_pv")),
            ("observed_at", Spec::Col("datum_feiten")),
            ("grading", Spec::Col("betrouwbaarheid")),
            ("handling", Spec::Const("H1")),
            ("tlp", Spec::Const("AMBER")),
            ("classification", Spec::Const("restricted")),
            ("language", Spec::Const("nl")),
            ("narrative", Spec::Col("opmerkingen")),
            ("place.name", Spec::Col("plaats")),
            ("place.country", Spec::Const("be")),
            ("place.lat", Spec::Col("breedte")),
            ("place.lon", Spec::Col("lengte")),
        ],
        entities: vec![
            EntLayout {
                key: "person",
                schema: "Person",
                props: vec![
                    ("name", Spec::Col("naam")),
                    ("birthDate", Spec::Col("geboortedatum")),
                    ("nationality", Spec::Col("nationaliteit")),
                    ("gender", Spec::Col("geslacht")),
                    ("child", Spec::Col("minderjarig")),
                ],
            },
            EntLayout {
                key: "phone",
                schema: "Phone",
                props: vec![("number", Spec::Col("gsm")), ("owner", Spec::Const("person"))],
            },
            EntLayout {
                key: "truck",
                schema: "Vehicle",
                props: vec![
                    ("registrationNumber", Spec::Col("nummerplaat")),
                    ("country", Spec::Col("land_voertuig")),
                ],
            },
            EntLayout {
                key: "event",
                schema: "BorderEvent",
                props: vec![
                    ("eventType", Spec::Const("unauthorised_crossing")),
                    ("date", Spec::Col("datum_feiten")),
                    ("place", Spec::Col("plaats")),
                    ("personsInvolved", Spec::Col("aantal_personen")),
                    ("vehicle", Spec::Const("truck")),
                ],
            },
        ],
        roles: vec![("person", Spec::Col("hoedanigheid"))],
        cache: Default::default(),
    };
    (
        layout,
        FaultColumns {
            date: "datum_pv",
            grading: "betrouwbaarheid",
            number: "aantal_personen",
            country: "nationaliteit",
        },
    )
}

/// The Serbian border police export.
pub fn rs_layout() -> (Layout, FaultColumns) {
    let a3 = alpha3_codes();
    let cols = vec![
        col("predmet", Src::Extra("procedure"), Fmt::Text),
        col("broj", Src::Report("source_ref"), Fmt::Text),
        col(
            "datum_dogadjaja",
            Src::Report("observed_at"),
            Fmt::Instant("%d.%m.%Y. %H:%M"),
        ),
        col(
            "datum_unosa",
            Src::Report("reported_at"),
            Fmt::Instant("%d.%m.%Y. %H:%M"),
        ),
        col("mesto", Src::Report("place.name"), Fmt::Text),
        col("gps_lat", Src::Report("place.lat"), Fmt::Num),
        col("gps_lon", Src::Report("place.lon"), Fmt::Num),
        col(
            "reg_oznaka",
            Src::Prop("vehicle", "registrationNumber"),
            Fmt::Text,
        ),
        with_map(
            col("drzava_vozila", Src::Prop("vehicle", "country"), Fmt::Text),
            a3,
        ),
        col("vrsta_vozila", Src::Prop("vehicle", "type"), Fmt::Text),
        coded(
            "status_lica",
            Src::Role("person"),
            &[
                ("VOZAC", "driver"),
                ("MIGRANT", "smuggled_migrant"),
                ("SVEDOK", "witness"),
            ],
        ),
        col("prezime", Src::Prop("person", "lastName"), Fmt::Text),
        col("ime", Src::Prop("person", "firstName"), Fmt::Text),
        col(
            "datum_rodjenja",
            Src::Prop("person", "birthDate"),
            Fmt::Date("%d.%m.%Y."),
        ),
        with_map(
            col(
                "drzavljanstvo",
                Src::Prop("person", "nationality"),
                Fmt::Text,
            ),
            a3,
        ),
        coded(
            "pol",
            Src::Prop("person", "gender"),
            &[("M", "male"), ("Ž", "female")],
        ),
        coded("maloletan", Src::Prop("person", "child"), YES_NO_SR),
        coded("azil", Src::Prop("person", "asylumApplicant"), YES_NO_SR),
        col("telefon", Src::Prop("phone", "number"), Fmt::Text),
        col("broj_lica", Src::Prop("event", "personsInvolved"), Fmt::Num),
        col("ocena", Src::Report("grading"), Fmt::Text),
        col("napomena", Src::Report("narrative"), Fmt::Text),
    ];
    let layout = Layout {
        agency: "rs-bp",
        comment: "Granična policija: Balkan route interceptions (one row per person), UTF-8, ',', Serbian dates (dd.mm.yyyy.).",
        encoding: Encoding::Utf8,
        delimiter: b',',
        date_formats: &["%d.%m.%Y. %H:%M", "%d.%m.%Y."],
        timezone: "+01:00",
        offset: 3600,
        decimal_comma: false,
        columns: cols,
        report: vec![
            ("report_type", Spec::Const("interception")),
            ("source_ref", Spec::Col("broj")),
            ("reported_at", Spec::Col("datum_unosa")),
            ("observed_at", Spec::Col("datum_dogadjaja")),
            ("grading", Spec::Col("ocena")),
            ("handling", Spec::Const("H1")),
            ("tlp", Spec::Const("AMBER")),
            ("classification", Spec::Const("restricted")),
            ("language", Spec::Const("sr")),
            ("narrative", Spec::Col("napomena")),
            ("place.name", Spec::Col("mesto")),
            ("place.country", Spec::Const("rs")),
            ("place.lat", Spec::Col("gps_lat")),
            ("place.lon", Spec::Col("gps_lon")),
        ],
        entities: vec![
            EntLayout {
                key: "person",
                schema: "Person",
                props: vec![
                    ("name", Spec::Template("{ime} {prezime}")),
                    ("firstName", Spec::Col("ime")),
                    ("lastName", Spec::Col("prezime")),
                    ("birthDate", Spec::Col("datum_rodjenja")),
                    ("nationality", Spec::Col("drzavljanstvo")),
                    ("gender", Spec::Col("pol")),
                    ("child", Spec::Col("maloletan")),
                    ("asylumApplicant", Spec::Col("azil")),
                ],
            },
            EntLayout {
                key: "phone",
                schema: "Phone",
                props: vec![("number", Spec::Col("telefon")), ("owner", Spec::Const("person"))],
            },
            EntLayout {
                key: "vehicle",
                schema: "Vehicle",
                props: vec![
                    ("registrationNumber", Spec::Col("reg_oznaka")),
                    ("country", Spec::Col("drzava_vozila")),
                    ("type", Spec::Col("vrsta_vozila")),
                ],
            },
            EntLayout {
                key: "event",
                schema: "BorderEvent",
                props: vec![
                    ("eventType", Spec::Const("unauthorised_crossing")),
                    ("date", Spec::Col("datum_dogadjaja")),
                    ("place", Spec::Col("mesto")),
                    ("personsInvolved", Spec::Col("broj_lica")),
                    ("vehicle", Spec::Const("vehicle")),
                ],
            },
        ],
        roles: vec![("person", Spec::Col("status_lica"))],
        cache: Default::default(),
    };
    (
        layout,
        FaultColumns {
            date: "datum_unosa",
            grading: "ocena",
            number: "broj_lica",
            country: "drzavljanstvo",
        },
    )
}

/// The Belgian FIU's suspicious transaction export: one row per transaction.
pub fn ctif_layout() -> (Layout, FaultColumns) {
    let cols = vec![
        col("ref_declaration", Src::Extra("str"), Fmt::Text),
        col("ref_operation", Src::Report("source_ref"), Fmt::Text),
        col(
            "date_declaration",
            Src::Report("reported_at"),
            Fmt::Date("%d/%m/%Y"),
        ),
        col("declarant", Src::Extra("reporting_entity"), Fmt::Text),
        col(
            "date_operation",
            Src::Prop("payment", "date"),
            Fmt::Date("%d/%m/%Y"),
        ),
        col("montant", Src::Prop("payment", "amount"), Fmt::Num),
        col("devise", Src::Prop("payment", "currency"), Fmt::Text),
        coded(
            "type_operation",
            Src::Prop("payment", "method"),
            &[
                ("VIREMENT", "bank_transfer"),
                ("TRANSFERT", "money_transfer"),
                ("ESPECES", "cash"),
                ("HAWALA", "hawala"),
            ],
        ),
        col("donneur_ordre", Src::Prop("payer", "name"), Fmt::Text),
        col("iban_donneur", Src::Prop("payer_acc", "iban"), Fmt::Text),
        col("pays_donneur", Src::Prop("payer_acc", "country"), Fmt::Text),
        col("beneficiaire", Src::Prop("payee", "name"), Fmt::Text),
        col(
            "iban_beneficiaire",
            Src::Prop("payee_acc", "iban"),
            Fmt::Text,
        ),
        col("bic_beneficiaire", Src::Prop("payee_acc", "bic"), Fmt::Text),
        col(
            "banque_beneficiaire",
            Src::Prop("payee_acc", "bankName"),
            Fmt::Text,
        ),
        col("communication", Src::Prop("payment", "purpose"), Fmt::Text),
        col("indicateurs", Src::Report("narrative"), Fmt::Text),
        col("cotation", Src::Report("grading"), Fmt::Text),
        col("code_traitement", Src::Report("handling"), Fmt::Text),
        col("tlp", Src::Report("tlp"), Fmt::Text),
    ];
    let layout = Layout {
        agency: "be-ctif",
        comment: "CTIF-CFI: suspicious transaction reports (one row per transaction), ';', French dates, decimal commas with thousands points.",
        encoding: Encoding::Utf8,
        delimiter: b';',
        date_formats: &["%d/%m/%Y"],
        timezone: "+01:00",
        offset: 3600,
        decimal_comma: true,
        columns: cols,
        report: vec![
            ("report_type", Spec::Const("suspicious_transaction")),
            ("source_ref", Spec::Col("ref_operation")),
            ("reported_at", Spec::Col("date_declaration")),
            ("grading", Spec::Col("cotation")),
            ("handling", Spec::Col("code_traitement")),
            ("tlp", Spec::Col("tlp")),
            ("classification", Spec::Const("confidential")),
            ("language", Spec::Const("fr")),
            ("narrative", Spec::Col("indicateurs")),
        ],
        entities: vec![
            EntLayout {
                key: "payment",
                schema: "Payment",
                props: vec![
                    ("date", Spec::Col("date_operation")),
                    ("amount", Spec::Col("montant")),
                    ("currency", Spec::Col("devise")),
                    ("method", Spec::Col("type_operation")),
                    ("purpose", Spec::Col("communication")),
                    ("payer", Spec::Const("payer")),
                    ("beneficiary", Spec::Const("payee")),
                    ("payerAccount", Spec::Const("payer_acc")),
                    ("beneficiaryAccount", Spec::Const("payee_acc")),
                ],
            },
            EntLayout {
                key: "payer",
                schema: "Person",
                props: vec![("name", Spec::Col("donneur_ordre"))],
            },
            EntLayout {
                key: "payer_acc",
                schema: "BankAccount",
                props: vec![
                    ("iban", Spec::Col("iban_donneur")),
                    ("country", Spec::Col("pays_donneur")),
                    ("holder", Spec::Const("payer")),
                ],
            },
            EntLayout {
                key: "payee",
                schema: "Person",
                props: vec![("name", Spec::Col("beneficiaire"))],
            },
            EntLayout {
                key: "payee_acc",
                schema: "BankAccount",
                props: vec![
                    ("iban", Spec::Col("iban_beneficiaire")),
                    ("bic", Spec::Col("bic_beneficiaire")),
                    ("bankName", Spec::Col("banque_beneficiaire")),
                    ("holder", Spec::Const("payee")),
                ],
            },
        ],
        roles: vec![],
        cache: Default::default(),
    };
    (
        layout,
        FaultColumns {
            date: "date_declaration",
            grading: "cotation",
            number: "montant",
            country: "pays_donneur",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stream_has_a_known_agency_and_mappings_parse() {
        for s in STREAMS {
            assert!(AGENCIES.iter().any(|a| a.id == s.agency), "{}", s.file);
            if let Some(l) = s.csv {
                let (layout, fc) = l();
                let toml = layout.mapping_toml();
                let _: toml::Value =
                    toml::from_str(&toml).unwrap_or_else(|e| panic!("{}: {e}\n{toml}", s.file));
                for h in [fc.date, fc.grading, fc.number, fc.country] {
                    assert!(layout.index(h).is_some(), "{}: {h}", s.file);
                }
                // every column named by a spec exists
                for (_, spec) in layout.report.iter().chain(layout.roles.iter()) {
                    if let Spec::Col(h) = spec {
                        layout.column(h);
                    }
                }
            }
        }
        assert_eq!(STREAMS.len(), 16);
        assert_eq!(STREAMS[streams::RS_BP].agency, "rs-bp");
        assert_eq!(STREAMS[streams::POLIZIA].agency, "it-polizia");
    }
}
