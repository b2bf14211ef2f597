//! Identifiers as the real world issues them — phone numbers, IBANs with valid check
//! digits, number plates, IMO numbers with check digit, MMSIs, passports with MRZ — and
//! the many ways officers write them down.

use rand::Rng;

use crate::util::{digits, letters, pick};

/// ISO 3166 alpha-3 for the countries the scenario uses (border police exports and MRZ
/// lines use alpha-3).
pub fn alpha3(c: &str) -> &'static str {
    match c {
        "af" => "AFG",
        "al" => "ALB",
        "at" => "AUT",
        "ba" => "BIH",
        "bd" => "BGD",
        "be" => "BEL",
        "bg" => "BGR",
        "ci" => "CIV",
        "cm" => "CMR",
        "de" => "DEU",
        "dz" => "DZA",
        "eg" => "EGY",
        "er" => "ERI",
        "et" => "ETH",
        "fr" => "FRA",
        "gb" => "GBR",
        "gh" => "GHA",
        "gm" => "GMB",
        "gn" => "GIN",
        "gr" => "GRC",
        "iq" => "IRQ",
        "ir" => "IRN",
        "it" => "ITA",
        "lt" => "LTU",
        "ly" => "LBY",
        "ma" => "MAR",
        "md" => "MDA",
        "mk" => "MKD",
        "ml" => "MLI",
        "mm" => "MMR",
        "my" => "MYS",
        "ne" => "NER",
        "ng" => "NGA",
        "nl" => "NLD",
        "pk" => "PAK",
        "pl" => "POL",
        "ps" => "PSE",
        "ro" => "ROU",
        "rs" => "SRB",
        "ru" => "RUS",
        "sd" => "SDN",
        "sn" => "SEN",
        "sy" => "SYR",
        "th" => "THA",
        "tn" => "TUN",
        "tr" => "TUR",
        "td" => "TCD",
        "ua" => "UKR",
        "vn" => "VNM",
        "xk" => "XKX",
        _ => "XXX",
    }
}

/// Every alpha-2 code [`alpha3`] knows, for mapping tables.
pub const ALPHA2: &[&str] = &[
    "af", "al", "at", "ba", "td", "bd", "be", "bg", "ci", "cm", "de", "dz", "eg", "er", "et", "fr",
    "gb", "gh", "gm", "gn", "gr", "iq", "ir", "it", "lt", "ly", "ma", "md", "mk", "ml", "mm", "my",
    "ne", "ng", "nl", "pk", "pl", "ps", "ro", "rs", "ru", "sd", "sn", "sy", "th", "tn", "tr", "ua",
    "vn", "xk",
];

// ---------------------------------------------------------------- phones

struct Plan {
    country: &'static str,
    cc: &'static str,
    trunk: &'static str,
    prefixes: &'static [&'static str],
    nsn: usize,
    /// Grouping of trunk + NSN in the national format.
    national: &'static [usize],
    /// Grouping of the NSN in the spaced international format.
    intl: &'static [usize],
}

const PLANS: &[Plan] = &[
    Plan {
        country: "af",
        cc: "93",
        trunk: "0",
        prefixes: &["70", "72", "77", "79"],
        nsn: 9,
        national: &[3, 3, 4],
        intl: &[2, 3, 4],
    },
    Plan {
        country: "at",
        cc: "43",
        trunk: "0",
        prefixes: &["660", "664", "676", "699"],
        nsn: 10,
        national: &[4, 3, 4],
        intl: &[3, 3, 4],
    },
    Plan {
        country: "bd",
        cc: "880",
        trunk: "0",
        prefixes: &["17", "18", "19", "15", "16"],
        nsn: 10,
        national: &[5, 6],
        intl: &[4, 6],
    },
    Plan {
        country: "be",
        cc: "32",
        trunk: "0",
        prefixes: &["47", "48", "49"],
        nsn: 9,
        national: &[4, 2, 2, 2],
        intl: &[3, 2, 2, 2],
    },
    Plan {
        country: "bg",
        cc: "359",
        trunk: "0",
        prefixes: &["87", "88", "89"],
        nsn: 9,
        national: &[4, 3, 3],
        intl: &[2, 3, 4],
    },
    Plan {
        country: "er",
        cc: "291",
        trunk: "0",
        prefixes: &["7"],
        nsn: 7,
        national: &[2, 3, 3],
        intl: &[1, 3, 3],
    },
    Plan {
        country: "fr",
        cc: "33",
        trunk: "0",
        prefixes: &["6", "7"],
        nsn: 9,
        national: &[2, 2, 2, 2, 2],
        intl: &[1, 2, 2, 2, 2],
    },
    Plan {
        country: "gb",
        cc: "44",
        trunk: "0",
        prefixes: &["74", "75", "77", "78", "79"],
        nsn: 10,
        national: &[5, 6],
        intl: &[4, 6],
    },
    Plan {
        country: "gr",
        cc: "30",
        trunk: "",
        prefixes: &["69"],
        nsn: 10,
        national: &[3, 3, 4],
        intl: &[3, 3, 4],
    },
    Plan {
        country: "iq",
        cc: "964",
        trunk: "0",
        prefixes: &["750", "770", "780", "790"],
        nsn: 10,
        national: &[4, 3, 4],
        intl: &[3, 3, 4],
    },
    Plan {
        country: "ir",
        cc: "98",
        trunk: "0",
        prefixes: &["91", "93", "99"],
        nsn: 10,
        national: &[4, 3, 4],
        intl: &[3, 3, 4],
    },
    Plan {
        country: "it",
        cc: "39",
        trunk: "",
        prefixes: &["32", "33", "34", "36", "38", "39"],
        nsn: 10,
        national: &[3, 7],
        intl: &[3, 3, 4],
    },
    Plan {
        country: "ly",
        cc: "218",
        trunk: "0",
        prefixes: &["91", "92", "94"],
        nsn: 9,
        national: &[3, 3, 4],
        intl: &[2, 3, 4],
    },
    Plan {
        country: "mk",
        cc: "389",
        trunk: "0",
        prefixes: &["70", "71", "72", "75", "76", "77", "78"],
        nsn: 8,
        national: &[3, 3, 3],
        intl: &[2, 3, 3],
    },
    Plan {
        country: "mm",
        cc: "95",
        trunk: "0",
        prefixes: &["9"],
        nsn: 9,
        national: &[3, 3, 4],
        intl: &[1, 4, 4],
    },
    Plan {
        country: "my",
        cc: "60",
        trunk: "0",
        prefixes: &["12", "13", "16", "17", "19"],
        nsn: 9,
        national: &[3, 3, 4],
        intl: &[2, 3, 4],
    },
    Plan {
        country: "ng",
        cc: "234",
        trunk: "0",
        prefixes: &["803", "806", "813", "816"],
        nsn: 10,
        national: &[4, 3, 4],
        intl: &[3, 3, 4],
    },
    Plan {
        country: "nl",
        cc: "31",
        trunk: "0",
        prefixes: &["6"],
        nsn: 9,
        national: &[2, 8],
        intl: &[1, 8],
    },
    Plan {
        country: "pk",
        cc: "92",
        trunk: "0",
        prefixes: &["30", "31", "33", "34"],
        nsn: 10,
        national: &[4, 7],
        intl: &[3, 7],
    },
    Plan {
        country: "ro",
        cc: "40",
        trunk: "0",
        prefixes: &["72", "74", "75", "76"],
        nsn: 9,
        national: &[4, 3, 3],
        intl: &[3, 3, 3],
    },
    Plan {
        country: "rs",
        cc: "381",
        trunk: "0",
        prefixes: &["60", "61", "62", "63", "64", "65", "66"],
        nsn: 9,
        national: &[3, 3, 4],
        intl: &[2, 3, 4],
    },
    Plan {
        country: "sd",
        cc: "249",
        trunk: "0",
        prefixes: &["91", "92", "99"],
        nsn: 9,
        national: &[3, 3, 4],
        intl: &[2, 3, 4],
    },
    Plan {
        country: "sy",
        cc: "963",
        trunk: "0",
        prefixes: &["93", "94", "95", "99"],
        nsn: 9,
        national: &[4, 3, 3],
        intl: &[3, 3, 3],
    },
    Plan {
        country: "th",
        cc: "66",
        trunk: "0",
        prefixes: &["81", "82", "86", "89", "9"],
        nsn: 9,
        national: &[3, 3, 4],
        intl: &[2, 3, 4],
    },
    Plan {
        country: "tr",
        cc: "90",
        trunk: "0",
        prefixes: &["53", "54", "55", "50"],
        nsn: 10,
        national: &[4, 3, 2, 2],
        intl: &[3, 3, 2, 2],
    },
    Plan {
        country: "vn",
        cc: "84",
        trunk: "0",
        prefixes: &["9", "3", "8"],
        nsn: 9,
        national: &[4, 3, 3],
        intl: &[2, 3, 4],
    },
    // Thuraya satellite phones: international format only.
    Plan {
        country: "",
        cc: "882",
        trunk: "",
        prefixes: &["16"],
        nsn: 10,
        national: &[],
        intl: &[2, 4, 4],
    },
];

fn plan(country: &str) -> &'static Plan {
    PLANS
        .iter()
        .find(|p| p.country == country)
        .unwrap_or_else(|| PLANS.iter().find(|p| p.country == "fr").expect("fr plan"))
}

/// Countries with a numbering plan here.
pub fn has_phone_plan(country: &str) -> bool {
    PLANS
        .iter()
        .any(|p| p.country == country && !country.is_empty())
}

/// A SIM: country ("" for satellite) and national significant number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumber {
    pub country: &'static str,
    pub nsn: String,
}

/// How a number is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneFmt {
    /// `+33612345678`
    E164,
    /// `+33 6 12 34 56 78`
    IntlSpaced,
    /// `0033612345678`
    Intl00,
    /// `06 12 34 56 78` (only for numbers of the writer's own country)
    National,
    /// `0612345678`
    NationalCompact,
    /// Country habits: `0470/12.34.56` (BE), `06-12345678` (NL), `012-345 6789` (MY)
    NationalAlt,
}

pub const INTL_FORMATS: &[PhoneFmt] = &[PhoneFmt::E164, PhoneFmt::IntlSpaced, PhoneFmt::Intl00];
pub const ALL_FORMATS: &[PhoneFmt] = &[
    PhoneFmt::E164,
    PhoneFmt::IntlSpaced,
    PhoneFmt::Intl00,
    PhoneFmt::National,
    PhoneFmt::NationalCompact,
    PhoneFmt::NationalAlt,
];

fn group(s: &str, groups: &[usize], sep: &str) -> String {
    let mut out = String::with_capacity(s.len() + groups.len());
    let mut i = 0;
    for g in groups {
        if i >= s.len() {
            break;
        }
        if i > 0 {
            out.push_str(sep);
        }
        let end = (i + g).min(s.len());
        out.push_str(&s[i..end]);
        i = end;
    }
    if i < s.len() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&s[i..]);
    }
    out
}

impl PhoneNumber {
    pub fn new(rng: &mut impl Rng, country: &'static str) -> PhoneNumber {
        let p = if country.is_empty() {
            plan("")
        } else {
            plan(country)
        };
        let prefix = pick(rng, p.prefixes);
        let rest = digits(rng, p.nsn - prefix.len(), false);
        PhoneNumber {
            country: p.country,
            nsn: format!("{prefix}{rest}"),
        }
    }

    pub fn satellite(rng: &mut impl Rng) -> PhoneNumber {
        Self::new(rng, "")
    }

    /// E.164, the canonical form in the ground truth.
    pub fn e164(&self) -> String {
        format!("+{}{}", plan(self.country).cc, self.nsn)
    }

    /// Writes the number in `fmt`; national formats fall back to international for a
    /// number that is not of `home` (nobody writes a foreign number nationally).
    pub fn write(&self, fmt: PhoneFmt, home: &str) -> String {
        let p = plan(self.country);
        let domestic = !self.country.is_empty() && self.country == home;
        let fmt = match fmt {
            PhoneFmt::National | PhoneFmt::NationalCompact | PhoneFmt::NationalAlt if !domestic => {
                PhoneFmt::IntlSpaced
            }
            f => f,
        };
        let national = format!("{}{}", p.trunk, self.nsn);
        match fmt {
            PhoneFmt::E164 => self.e164(),
            PhoneFmt::IntlSpaced => format!("+{} {}", p.cc, group(&self.nsn, p.intl, " ")),
            PhoneFmt::Intl00 => format!("00{}{}", p.cc, self.nsn),
            PhoneFmt::National => group(&national, p.national, " "),
            PhoneFmt::NationalCompact => national,
            PhoneFmt::NationalAlt => match self.country {
                "be" => {
                    let g = group(&national[4..], &[2, 2, 2], ".");
                    format!("{}/{}", &national[..4], g)
                }
                "nl" => format!("{}-{}", &national[..2], &national[2..]),
                "my" => format!("{}-{}", &national[..3], group(&national[3..], &[3, 4], " ")),
                "fr" => group(&national, p.national, "."),
                _ => group(&national, p.national, "-"),
            },
        }
    }
}

/// A handset serial (IMEI, 15 digits with a Luhn check digit).
pub fn imei(rng: &mut impl Rng) -> String {
    let body = format!("35{}", digits(rng, 12, false));
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

// ---------------------------------------------------------------- bank accounts

pub struct Bank {
    pub name: &'static str,
    pub bic: &'static str,
}

fn banks(country: &str) -> &'static [Bank] {
    match country {
        "be" => &[
            Bank {
                name: "BNP Paribas Fortis",
                bic: "GEBABEBB",
            },
            Bank {
                name: "KBC Bank",
                bic: "KREDBEBB",
            },
            Bank {
                name: "Belfius",
                bic: "GKCCBEBB",
            },
            Bank {
                name: "ING Belgique",
                bic: "BBRUBEBB",
            },
        ],
        "fr" => &[
            Bank {
                name: "BNP Paribas",
                bic: "BNPAFRPP",
            },
            Bank {
                name: "Société Générale",
                bic: "SOGEFRPP",
            },
            Bank {
                name: "Crédit Agricole",
                bic: "AGRIFRPP",
            },
            Bank {
                name: "La Banque Postale",
                bic: "PSSTFRPP",
            },
        ],
        "gb" => &[
            Bank {
                name: "Barclays",
                bic: "BARCGB22",
            },
            Bank {
                name: "HSBC UK",
                bic: "HBUKGB4B",
            },
            Bank {
                name: "Lloyds Bank",
                bic: "LOYDGB2L",
            },
            Bank {
                name: "Monzo",
                bic: "MONZGB2L",
            },
        ],
        "nl" => &[
            Bank {
                name: "ING Bank",
                bic: "INGBNL2A",
            },
            Bank {
                name: "ABN AMRO",
                bic: "ABNANL2A",
            },
            Bank {
                name: "Rabobank",
                bic: "RABONL2U",
            },
            Bank {
                name: "bunq",
                bic: "BUNQNL2A",
            },
        ],
        "gr" => &[
            Bank {
                name: "National Bank of Greece",
                bic: "ETHNGRAA",
            },
            Bank {
                name: "Piraeus Bank",
                bic: "PIRBGRAA",
            },
        ],
        "tr" => &[
            Bank {
                name: "Ziraat Bankası",
                bic: "TCZBTR2A",
            },
            Bank {
                name: "Garanti BBVA",
                bic: "TGBATRIS",
            },
        ],
        "it" => &[
            Bank {
                name: "Intesa Sanpaolo",
                bic: "BCITITMM",
            },
            Bank {
                name: "UniCredit",
                bic: "UNCRITMM",
            },
        ],
        "rs" => &[
            Bank {
                name: "Banca Intesa Beograd",
                bic: "DBDBRSBG",
            },
            Bank {
                name: "Komercijalna banka",
                bic: "KOBBRSBG",
            },
        ],
        "at" => &[Bank {
            name: "Erste Bank",
            bic: "GIBAATWW",
        }],
        _ => &[Bank {
            name: "Deutsche Bank",
            bic: "DEUTDEFF",
        }],
    }
}

/// Countries with IBANs here.
pub const IBAN_COUNTRIES: &[&str] = &["be", "fr", "gb", "nl", "gr", "tr", "it", "rs", "at", "de"];

#[derive(Clone, Debug)]
pub struct Iban {
    /// Compact, upper case, valid check digits.
    pub iban: String,
    pub bank: &'static str,
    pub bic: &'static str,
    pub country: &'static str,
}

fn mod97(s: &str) -> u32 {
    let mut r: u32 = 0;
    for c in s.chars() {
        let v = if c.is_ascii_digit() {
            c as u32 - '0' as u32
        } else {
            c.to_ascii_uppercase() as u32 - 'A' as u32 + 10
        };
        r = if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        };
    }
    r
}

/// Whether an IBAN's check digits are right (ISO 13616 mod 97).
pub fn iban_valid(iban: &str) -> bool {
    let c: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    c.len() > 4 && mod97(&format!("{}{}", &c[4..], &c[..4])) == 1
}

impl Iban {
    pub fn new(rng: &mut impl Rng, country: &'static str) -> Iban {
        let list = banks(country);
        let bank = pick(rng, list);
        let bban = match country {
            "be" => digits(rng, 12, false),
            "fr" => format!(
                "{}{}{}",
                digits(rng, 10, true),
                digits(rng, 11, false),
                digits(rng, 2, false)
            ),
            "gb" => format!("{}{}", &bank.bic[..4], digits(rng, 14, false)),
            "nl" => format!("{}{}", &bank.bic[..4], digits(rng, 10, false)),
            "gr" => digits(rng, 23, false),
            "tr" => format!("{}0{}", digits(rng, 5, false), digits(rng, 16, false)),
            "it" => format!("{}{}", letters(rng, 1), digits(rng, 22, false)),
            "rs" | "de" => digits(rng, 18, false),
            "at" => digits(rng, 16, false),
            _ => digits(rng, 18, false),
        };
        let cc = country.to_ascii_uppercase();
        let check = 98 - mod97(&format!("{bban}{cc}00"));
        Iban {
            iban: format!("{cc}{check:02}{bban}"),
            bank: bank.name,
            bic: bank.bic,
            country,
        }
    }

    /// Paper format: groups of four.
    pub fn grouped(&self) -> String {
        let chars: Vec<char> = self.iban.chars().collect();
        chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

// ---------------------------------------------------------------- vehicles

const PLATE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTVWXYZ";
/// Letters that exist in both Latin and Cyrillic/Greek (BG, GR plates use these).
const SHARED_LETTERS: &[u8] = b"ABEKMHOPCTYX";

fn plate_letters(rng: &mut impl Rng, n: usize, set: &[u8]) -> String {
    (0..n)
        .map(|_| char::from(set[rng.gen_range(0..set.len())]))
        .collect()
}

/// A number plate in the country's canonical form.
pub fn plate(rng: &mut impl Rng, country: &str) -> String {
    let l = |rng: &mut _, n| plate_letters(rng, n, PLATE_LETTERS);
    match country {
        "fr" => format!("{}-{}-{}", l(rng, 2), digits(rng, 3, true), l(rng, 2)),
        "be" => format!(
            "{}-{}-{}",
            rng.gen_range(1..3),
            l(rng, 3),
            digits(rng, 3, false)
        ),
        "nl" => format!("{}-{}-{}", l(rng, 2), digits(rng, 3, true), l(rng, 1)),
        "gb" => format!("{}{} {}", l(rng, 2), digits(rng, 2, true), l(rng, 3)),
        "ro" => format!(
            "{}-{}-{}",
            pick(rng, &["B", "CJ", "TM", "IS", "CT"]),
            digits(rng, 2, true),
            l(rng, 3)
        ),
        "bg" => format!(
            "{} {} {}",
            pick(rng, &["CA", "CB", "PB", "B", "A"]),
            digits(rng, 4, true),
            plate_letters(rng, 2, SHARED_LETTERS)
        ),
        "pl" => format!("{} {}", l(rng, 2), digits(rng, 5, true)),
        "lt" => format!("{} {}", l(rng, 3), digits(rng, 3, true)),
        "gr" => format!(
            "{}-{}",
            plate_letters(rng, 3, SHARED_LETTERS),
            digits(rng, 4, true)
        ),
        "rs" => format!(
            "{} {}-{}",
            pick(rng, &["BG", "NS", "SU", "NI", "VR"]),
            digits(rng, 3, true),
            l(rng, 2)
        ),
        "mk" => format!(
            "{} {} {}",
            pick(rng, &["SK", "KU", "GE", "TE"]),
            digits(rng, 4, true),
            l(rng, 2)
        ),
        "it" => format!("{} {} {}", l(rng, 2), digits(rng, 3, true), l(rng, 2)),
        "tr" => format!(
            "{} {} {}",
            pick(rng, &["34", "35", "06", "22"]),
            l(rng, 3),
            digits(rng, 3, true)
        ),
        "my" => format!("{} {}", l(rng, 3), digits(rng, 4, true)),
        "at" => format!("W-{}{}", digits(rng, 5, true), l(rng, 1)),
        _ => format!("{}-{}", l(rng, 3), digits(rng, 4, true)),
    }
}

/// Writes a plate as some officers do: compact, or with another separator.
pub fn plate_variant(rng: &mut impl Rng, plate: &str) -> String {
    match rng.gen_range(0..3) {
        0 => plate.chars().filter(|c| *c != '-' && *c != ' ').collect(),
        1 => plate.replace('-', " "),
        _ => plate.replace(' ', "-"),
    }
}

// ---------------------------------------------------------------- vessels

/// An IMO number (7 digits, the last a weighted check digit).
pub fn imo(rng: &mut impl Rng) -> String {
    let body = format!("{}{}", rng.gen_range(7..10), digits(rng, 5, false));
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * (7 - i as u32))
        .sum();
    format!("{body}{}", sum % 10)
}

pub fn imo_valid(imo: &str) -> bool {
    let d: Vec<u32> = imo
        .trim_start_matches("IMO")
        .trim()
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    d.len() == 7
        && d[..6]
            .iter()
            .enumerate()
            .map(|(i, x)| x * (7 - i as u32))
            .sum::<u32>()
            % 10
            == d[6]
}

/// Maritime identification digits of a flag State.
fn mid(flag: &str) -> &'static str {
    match flag {
        "it" => "247",
        "gr" => "239",
        "my" => "533",
        "th" => "567",
        "tg" => "671",
        "km" => "616",
        "sl" => "667",
        "pa" => "352",
        "ly" => "642",
        "tr" => "271",
        "mt" => "215",
        "bz" => "312",
        "be" => "205",
        "fr" => "227",
        "gb" => "232",
        "mm" => "506",
        "bd" => "405",
        _ => "636",
    }
}

pub fn mmsi(rng: &mut impl Rng, flag: &str) -> String {
    format!("{}{}", mid(flag), digits(rng, 6, false))
}

pub fn call_sign(rng: &mut impl Rng, flag: &str) -> String {
    let prefix = match flag {
        "it" => "I",
        "gr" => "SV",
        "my" => "9M",
        "th" => "HS",
        "tg" => "5V",
        "km" => "D6",
        "sl" => "9L",
        "pa" => "3E",
        "ly" => "5A",
        "tr" => "TC",
        "mt" => "9H",
        "bz" => "V3",
        "be" => "OR",
        "fr" => "FN",
        "gb" => "M",
        _ => "XX",
    };
    format!("{prefix}{}{}", letters(rng, 2), rng.gen_range(1..10))
}

// ---------------------------------------------------------------- documents

/// A passport number in the issuing country's pattern.
pub fn passport_number(rng: &mut impl Rng, country: &str) -> String {
    match country {
        "fr" => format!(
            "{}{}{}",
            digits(rng, 2, false),
            letters(rng, 2),
            digits(rng, 5, false)
        ),
        "be" | "sy" => format!("{}{}", letters(rng, 2), digits(rng, 6, false)),
        "gb" | "ng" | "vn" => digits(rng, 9, true),
        "it" | "gr" | "tr" => format!("{}{}", letters(rng, 2), digits(rng, 7, false)),
        "iq" | "ir" | "af" | "er" | "sd" => format!("{}{}", letters(rng, 1), digits(rng, 8, false)),
        _ => format!("{}{}", letters(rng, 2), digits(rng, 7, false)),
    }
}

/// An identity card number.
pub fn id_card_number(rng: &mut impl Rng, country: &str) -> String {
    match country {
        "be" => format!(
            "{}-{}-{}",
            digits(rng, 3, false),
            digits(rng, 7, false),
            digits(rng, 2, false)
        ),
        "fr" => format!("{}{}", digits(rng, 4, true), digits(rng, 8, false)),
        "it" => format!("CA{}{}", digits(rng, 5, false), letters(rng, 2)),
        _ => format!("{}{}", letters(rng, 2), digits(rng, 6, false)),
    }
}

fn mrz_value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    }
}

/// ICAO 9303 check digit (weights 7, 3, 1).
pub fn mrz_check(s: &str) -> char {
    let w = [7, 3, 1];
    let sum: u32 = s
        .chars()
        .enumerate()
        .map(|(i, c)| mrz_value(c) * w[i % 3])
        .sum();
    char::from(b'0' + (sum % 10) as u8)
}

fn mrz_field(s: &str, len: usize) -> String {
    let mut out: String = crate::util::fold_ascii(s)
        .to_ascii_uppercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '<' })
        .collect();
    out.truncate(len);
    while out.len() < len {
        out.push('<');
    }
    out
}

/// The two 44-character lines of a passport's machine-readable zone (TD3).
#[allow(clippy::too_many_arguments)]
pub fn mrz_td3(
    issuer: &str,
    surname: &str,
    given: &str,
    number: &str,
    nationality: &str,
    birth: chrono::NaiveDate,
    female: bool,
    expiry: chrono::NaiveDate,
) -> String {
    let names = format!(
        "{}<<{}",
        mrz_field(surname, 39).trim_end_matches('<'),
        given
    );
    let line1 = format!("P<{}{}", alpha3(issuer), mrz_field(&names, 39));
    let num = mrz_field(number, 9);
    let dob = birth.format("%y%m%d").to_string();
    let exp = expiry.format("%y%m%d").to_string();
    let optional = "<".repeat(14);
    let opt_check = '<';
    let composite_src = format!(
        "{num}{}{dob}{}{exp}{}{optional}{opt_check}",
        mrz_check(&num),
        mrz_check(&dob),
        mrz_check(&exp)
    );
    let line2 = format!(
        "{num}{}{}{dob}{}{}{exp}{}{optional}{opt_check}{}",
        mrz_check(&num),
        alpha3(nationality),
        mrz_check(&dob),
        if female { 'F' } else { 'M' },
        mrz_check(&exp),
        mrz_check(&composite_src)
    );
    format!("{line1}\n{line2}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::stream;

    #[test]
    fn ibans_have_valid_check_digits() {
        let mut r = stream(3, &[]);
        for c in IBAN_COUNTRIES {
            for _ in 0..20 {
                let i = Iban::new(&mut r, c);
                assert!(iban_valid(&i.iban), "{}", i.iban);
                assert!(iban_valid(&i.grouped()));
            }
        }
        assert!(iban_valid("GB82 WEST 1234 5698 7654 32"));
        assert!(!iban_valid("GB82 WEST 1234 5698 7654 33"));
    }

    #[test]
    fn imo_and_imei_check_digits() {
        assert!(imo_valid("9074729"));
        let mut r = stream(4, &[]);
        for _ in 0..50 {
            assert!(imo_valid(&imo(&mut r)));
            let i = imei(&mut r);
            assert_eq!(i.len(), 15);
        }
    }

    #[test]
    fn phone_formats() {
        let p = PhoneNumber {
            country: "fr",
            nsn: "612345678".into(),
        };
        assert_eq!(p.e164(), "+33612345678");
        assert_eq!(p.write(PhoneFmt::National, "fr"), "06 12 34 56 78");
        assert_eq!(p.write(PhoneFmt::National, "be"), "+33 6 12 34 56 78");
        assert_eq!(p.write(PhoneFmt::Intl00, "be"), "0033612345678");
        let b = PhoneNumber {
            country: "be",
            nsn: "470123456".into(),
        };
        assert_eq!(b.write(PhoneFmt::National, "be"), "0470 12 34 56");
        assert_eq!(b.write(PhoneFmt::NationalAlt, "be"), "0470/12.34.56");
        assert_eq!(b.write(PhoneFmt::IntlSpaced, "fr"), "+32 470 12 34 56");
        let mut r = stream(5, &[]);
        let s = PhoneNumber::satellite(&mut r);
        assert!(s.e164().starts_with("+88216"));
        assert!(s.write(PhoneFmt::National, "it").starts_with("+882 16"));
    }

    #[test]
    fn mrz_check_digits() {
        // ICAO 9303 specimen: L898902C3, check digit 6
        assert_eq!(mrz_check("L898902C3"), '6');
        assert_eq!(mrz_check("740812"), '2');
        let m = mrz_td3(
            "sy",
            "Al-Hassan",
            "Mohammed",
            "N01234567",
            "sy",
            chrono::NaiveDate::from_ymd_opt(1987, 4, 12).unwrap(),
            false,
            chrono::NaiveDate::from_ymd_opt(2029, 1, 1).unwrap(),
        );
        let lines: Vec<&str> = m.lines().collect();
        assert_eq!(lines[0].len(), 44);
        assert_eq!(lines[1].len(), 44);
        assert!(lines[0].starts_with("P<SYRAL<HASSAN<<MOHAMMED"));
    }
}
