//! Personal names: who is called what, and how each agency writes it down.
//!
//! Every real person has one name (indexes into a culture's tables). Each mention renders
//! it the way the writing agency tends to: its preferred romanisation of Arabic, Pashto,
//! Tigrinya or Cyrillic names, upper-case family names, the father's name kept or
//! dropped, diacritics folded, Serbian transcription — plus noise (another romanisation,
//! a typo). The first variant of each entry is the canonical spelling used in the
//! ground truth.

use rand::Rng;

use crate::util::{chance, fold_ascii};

/// One name with its romanisations; `native` is the original script, when we have it.
pub struct N {
    pub native: &'static str,
    pub v: &'static [&'static str],
}

macro_rules! n {
    ($native:literal; $($v:literal),+ $(,)?) => { N { native: $native, v: &[$($v),+] } };
    ($($v:literal),+ $(,)?) => { N { native: "", v: &[$($v),+] } };
}

/// How a culture composes names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// given + father's given (optional in records) + family (Arabic, Persian).
    GivenFatherFamily,
    /// given + family.
    GivenFamily,
    /// given + father's given, no family name (Tigrinya, Kurdish).
    GivenFather,
    /// family + middle (Văn/Thị…) + given, written in that order at home.
    Vietnamese,
    /// given + bin/binti + father's given.
    Malay,
    /// optional "Mohammad" prefix + given + family (Bangladesh, Rohingya).
    Bengali,
}

struct Table {
    male: &'static [N],
    female: &'static [N],
    family: &'static [N],
    kind: Kind,
}

/// Naming cultures. A person's nationality decides the culture (with some mixing: an
/// Iraqi may be Kurdish or Arab).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Culture {
    Arabic,
    Kurdish,
    Afghan,
    Persian,
    Tigrinya,
    Slavic,
    Serbian,
    Albanian,
    Turkish,
    Vietnamese,
    Bengali,
    WestAfrican,
    French,
    Flemish,
    Dutch,
    British,
    Greek,
    Romanian,
    Polish,
    Lithuanian,
    Italian,
    Thai,
    Malay,
}

impl Culture {
    fn table(self) -> &'static Table {
        match self {
            Culture::Arabic => &ARABIC,
            Culture::Kurdish => &KURDISH,
            Culture::Afghan => &AFGHAN,
            Culture::Persian => &PERSIAN,
            Culture::Tigrinya => &TIGRINYA,
            Culture::Slavic => &SLAVIC,
            Culture::Serbian => &SERBIAN,
            Culture::Albanian => &ALBANIAN,
            Culture::Turkish => &TURKISH,
            Culture::Vietnamese => &VIETNAMESE,
            Culture::Bengali => &BENGALI,
            Culture::WestAfrican => &WEST_AFRICAN,
            Culture::French => &FRENCH,
            Culture::Flemish => &FLEMISH,
            Culture::Dutch => &DUTCH,
            Culture::British => &BRITISH,
            Culture::Greek => &GREEK,
            Culture::Romanian => &ROMANIAN,
            Culture::Polish => &POLISH,
            Culture::Lithuanian => &LITHUANIAN,
            Culture::Italian => &ITALIAN,
            Culture::Thai => &THAI,
            Culture::Malay => &MALAY,
        }
    }

    /// The culture of a national of `country` (ISO alpha-2), drawing where a country
    /// has several.
    pub fn of(rng: &mut impl Rng, country: &str) -> Culture {
        match country {
            "iq" => {
                if chance(rng, 0.6) {
                    Culture::Kurdish
                } else {
                    Culture::Arabic
                }
            }
            "ir" => {
                if chance(rng, 0.3) {
                    Culture::Kurdish
                } else {
                    Culture::Persian
                }
            }
            "sy" | "sd" | "ly" | "eg" | "ps" | "tn" | "ma" | "dz" | "jo" | "lb" | "ye" => {
                Culture::Arabic
            }
            "af" | "pk" => Culture::Afghan,
            "er" | "et" => Culture::Tigrinya,
            "ua" | "ru" | "by" | "bg" | "mk" => Culture::Slavic,
            "rs" | "ba" | "me" | "hr" => Culture::Serbian,
            "al" | "xk" => Culture::Albanian,
            "tr" => Culture::Turkish,
            "vn" => Culture::Vietnamese,
            "bd" | "mm" => Culture::Bengali,
            "ng" | "gm" | "gn" | "sn" | "ml" | "ci" | "gh" | "cm" | "ne" => Culture::WestAfrican,
            "fr" => Culture::French,
            "be" => {
                if chance(rng, 0.6) {
                    Culture::Flemish
                } else {
                    Culture::French
                }
            }
            "nl" => Culture::Dutch,
            "gb" => Culture::British,
            "gr" | "cy" => Culture::Greek,
            "ro" | "md" => Culture::Romanian,
            "pl" => Culture::Polish,
            "lt" | "lv" => Culture::Lithuanian,
            "it" => Culture::Italian,
            "th" => Culture::Thai,
            "my" => Culture::Malay,
            _ => Culture::WestAfrican,
        }
    }
}

/// A person's name as indexes into their culture's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name {
    pub culture: Culture,
    pub female: bool,
    pub given: u16,
    /// Father's given name, Vietnamese middle name or Bengali prefix; `NONE` if absent.
    pub middle: u16,
    /// Family name (or, for Tigrinya and Kurdish, the father's name); `NONE` if absent.
    pub family: u16,
}

pub const NONE: u16 = u16::MAX;

/// How an agency writes names.
#[derive(Clone, Copy, Debug)]
pub struct NameStyle {
    /// Preferred romanisation (index into the variants; clamped to the last one).
    pub variant: usize,
    /// Family name in capitals (French and Belgian police).
    pub upper_family: bool,
    /// Probability of writing the father's name of a three-part Arabic or Persian name.
    pub father: f64,
    /// Full name written family name first ("AL-HASSAN Mohammed").
    pub family_first: bool,
    /// Diacritics folded to ASCII.
    pub ascii: bool,
    /// Serbian Latin transcription of foreign names (Jusuf, Džamal, Husein).
    pub serbian: bool,
}

/// A name as written in one mention.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub first: String,
    pub last: String,
    pub full: String,
}

/// Noise probabilities that affect names.
#[derive(Clone, Copy, Debug)]
pub struct NameNoise {
    /// Another romanisation than the agency's usual one, per name part.
    pub variant: f64,
    /// A typo, per name part.
    pub typo: f64,
}

/// Counts of noise applied to names, for the statistics test.
#[derive(Clone, Copy, Debug, Default)]
pub struct NameCounts {
    /// Name parts written (typo opportunities).
    pub parts: u64,
    /// Parts with more than one romanisation (variant opportunities).
    pub variant_parts: u64,
    pub variant: u64,
    pub typo: u64,
}

pub fn new_name(rng: &mut impl Rng, culture: Culture, female: bool) -> Name {
    let t = culture.table();
    let given_list = if female { t.female } else { t.male };
    let given = rng.gen_range(0..given_list.len()) as u16;
    let (middle, family) = match t.kind {
        Kind::GivenFatherFamily => (
            rng.gen_range(0..t.male.len()) as u16,
            rng.gen_range(0..t.family.len()) as u16,
        ),
        Kind::GivenFamily => (NONE, rng.gen_range(0..t.family.len()) as u16),
        Kind::GivenFather => (NONE, rng.gen_range(0..t.family.len()) as u16),
        Kind::Vietnamese => (
            if female {
                0
            } else {
                rng.gen_range(1..VN_MIDDLE.len()) as u16
            },
            rng.gen_range(0..t.family.len()) as u16,
        ),
        Kind::Malay => (rng.gen_range(0..t.male.len()) as u16, NONE),
        Kind::Bengali => (
            if !female && chance(rng, 0.5) { 0 } else { NONE },
            rng.gen_range(0..t.family.len()) as u16,
        ),
    };
    Name {
        culture,
        female,
        given,
        middle,
        family,
    }
}

fn female_slavic(s: &str) -> String {
    for (from, to) in [
        ("off", "ova"),
        ("eff", "eva"),
        ("ow", "owa"),
        ("ov", "ova"),
        ("ev", "eva"),
        ("in", "ina"),
        ("ов", "ова"),
        ("ев", "ева"),
        ("ин", "ина"),
    ] {
        if let Some(stem) = s.strip_suffix(from) {
            return format!("{stem}{to}");
        }
    }
    s.to_owned()
}

/// The parts of a name as chosen strings (before case and order), via `pick`.
fn parts(name: &Name, mut pick: impl FnMut(&'static N) -> String) -> (String, String, String) {
    let t = name.culture.table();
    let given_list = if name.female { t.female } else { t.male };
    let given = pick(&given_list[name.given as usize]);
    let fam = |pick: &mut dyn FnMut(&'static N) -> String| -> String {
        if name.family == NONE {
            return String::new();
        }
        let f = pick(&t.family[name.family as usize]);
        if name.female && name.culture == Culture::Slavic {
            female_slavic(&f)
        } else {
            f
        }
    };
    match t.kind {
        Kind::GivenFatherFamily => {
            let father = pick(&t.male[name.middle as usize]);
            (given, father, fam(&mut pick))
        }
        Kind::GivenFamily | Kind::GivenFather => (given, String::new(), fam(&mut pick)),
        Kind::Vietnamese => {
            let mid = pick(&VN_MIDDLE[name.middle as usize]);
            (given, mid, fam(&mut pick))
        }
        Kind::Malay => {
            let father = pick(&t.male[name.middle as usize]);
            let bin = if name.female { "binti" } else { "bin" };
            (given, String::new(), format!("{bin} {father}"))
        }
        Kind::Bengali => {
            let pre = if name.middle == NONE {
                String::new()
            } else {
                pick(&BN_PREFIX)
            };
            (given, pre, fam(&mut pick))
        }
    }
}

/// The canonical full name (first variants, natural order), for the ground truth.
pub fn canonical(name: &Name) -> String {
    let (g, m, f) = parts(name, |n| n.v[0].to_owned());
    compose(name, &g, &m, &f, true).full
}

/// The name in its original script, when every part has one.
pub fn native(name: &Name) -> Option<String> {
    let mut ok = true;
    let (g, m, f) = parts(name, |n| {
        if n.native.is_empty() {
            ok = false;
        }
        n.native.to_owned()
    });
    if !ok || name.culture == Culture::Malay || name.culture == Culture::Bengali {
        return None;
    }
    let mut out: Vec<&str> = Vec::new();
    for p in [&g, &m, &f] {
        if !p.is_empty() {
            out.push(p);
        }
    }
    Some(out.join(" "))
}

/// Composes first/last/full from chosen parts. `with_middle` keeps the father's name.
fn compose(name: &Name, g: &str, m: &str, f: &str, with_middle: bool) -> Written {
    let kind = name.culture.table().kind;
    let (first, last) = match kind {
        Kind::GivenFatherFamily if with_middle && !m.is_empty() => {
            (format!("{g} {m}"), f.to_owned())
        }
        Kind::Vietnamese => (format!("{m} {g}"), f.to_owned()),
        Kind::Bengali if !m.is_empty() => (format!("{m} {g}"), f.to_owned()),
        _ => (g.to_owned(), f.to_owned()),
    };
    let full = if kind == Kind::Vietnamese {
        // Vietnamese order at home: family name first.
        format!("{last} {first}")
    } else if last.is_empty() {
        first.clone()
    } else {
        format!("{first} {last}")
    };
    Written { first, last, full }
}

/// Renders a name the way an agency writes it, with noise.
pub fn write(
    rng: &mut impl Rng,
    name: &Name,
    style: &NameStyle,
    noise: &NameNoise,
    counts: &mut NameCounts,
) -> Written {
    let (g, m, f) = parts(name, |n| {
        counts.parts += 1;
        let deviate = chance(rng, noise.variant);
        let typo_now = chance(rng, noise.typo);
        let k = n.v.len();
        if k > 1 {
            counts.variant_parts += 1;
        }
        let preferred = style.variant.min(k - 1);
        let idx = if deviate && k > 1 {
            counts.variant += 1;
            // another variant than the preferred one
            let r = rng.gen_range(0..k - 1);
            if r >= preferred {
                r + 1
            } else {
                r
            }
        } else {
            rng.gen_range(0..1); // keep the draw count independent of the branch
            preferred
        };
        let mut s = n.v[idx].to_owned();
        if style.serbian && name.culture != Culture::Serbian {
            s = serbian(&s);
        }
        if style.ascii {
            s = fold_ascii(&s);
        }
        if typo_now {
            counts.typo += 1;
            s = typo(rng, &s);
        } else {
            rng.gen_range(0..1);
        }
        s
    });
    let with_middle = chance(rng, style.father);
    let mut w = compose(name, &g, &m, &f, with_middle);
    if style.upper_family {
        w.last = w.last.to_uppercase();
    }
    let kind = name.culture.table().kind;
    w.full = if w.last.is_empty() {
        w.first.clone()
    } else if style.family_first || kind == Kind::Vietnamese {
        format!("{} {}", w.last, w.first)
    } else {
        format!("{} {}", w.first, w.last)
    };
    w
}

/// One keyboard slip: a dropped, doubled or swapped letter, or a vowel confused.
pub fn typo(rng: &mut impl Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let letters: Vec<usize> = (1..c.len()).filter(|i| c[*i].is_alphabetic()).collect();
    if letters.is_empty() {
        return s.to_owned();
    }
    let i = letters[rng.gen_range(0..letters.len())];
    match rng.gen_range(0..4) {
        0 if c.len() > 3 => {
            c.remove(i);
        }
        1 => {
            let ch = c[i];
            c.insert(i, ch);
        }
        2 if i + 1 < c.len() && c[i + 1].is_alphabetic() && c[i + 1] != c[i] => c.swap(i, i + 1),
        _ => {
            const V: &[char] = &['a', 'e', 'i', 'o', 'u'];
            let lower = c[i].to_ascii_lowercase();
            let repl = if V.contains(&lower) {
                V[(V.iter().position(|v| *v == lower).unwrap_or(0) + 1 + rng.gen_range(0..3))
                    % V.len()]
            } else {
                // a neighbouring consonant on the keyboard row
                match lower {
                    'm' => 'n',
                    'n' => 'm',
                    's' => 'z',
                    'z' => 's',
                    'd' => 't',
                    't' => 'd',
                    'k' => 'c',
                    'c' => 'k',
                    'l' => 'r',
                    'r' => 'l',
                    other => other,
                }
            };
            let repl = if c[i].is_uppercase() {
                repl.to_ascii_uppercase()
            } else {
                repl
            };
            if repl == c[i] {
                let ch = c[i];
                c.insert(i, ch);
            } else {
                c[i] = repl;
            }
        }
    }
    c.into_iter().collect()
}

/// Serbian Latin transcription of a foreign name, as a Serbian officer writes it.
pub fn serbian(s: &str) -> String {
    let mut t = s.to_owned();
    for (a, b) in [
        ("J", "Dž"),
        ("j", "dž"),
        ("Sh", "Š"),
        ("sh", "š"),
        ("Ch", "Č"),
        ("ch", "č"),
        ("Kh", "H"),
        ("kh", "h"),
        ("Ou", "U"),
        ("ou", "u"),
        ("ee", "i"),
        ("oo", "u"),
        ("Y", "J"),
        ("y", "j"),
        ("W", "V"),
        ("w", "v"),
        ("Q", "K"),
        ("q", "k"),
        ("x", "ks"),
        ("mm", "m"),
        ("ss", "s"),
        ("dd", "d"),
        ("ll", "l"),
        ("tt", "t"),
    ] {
        if t.contains(a) {
            t = t.replace(a, b);
        }
    }
    t
}

/// Cyrillic for Serbian Latin (one to one), as used by Serbian police for Serbian names.
pub fn serbian_cyrillic(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < c.len() {
        let two = if i + 1 < c.len() {
            Some((c[i], c[i + 1]))
        } else {
            None
        };
        let (r, n) = match two {
            Some(('D', 'ž')) => ("Џ", 2),
            Some(('d', 'ž')) => ("џ", 2),
            Some(('L', 'j')) => ("Љ", 2),
            Some(('l', 'j')) => ("љ", 2),
            Some(('N', 'j')) => ("Њ", 2),
            Some(('n', 'j')) => ("њ", 2),
            _ => (
                match c[i] {
                    'A' => "А",
                    'a' => "а",
                    'B' => "Б",
                    'b' => "б",
                    'V' => "В",
                    'v' => "в",
                    'G' => "Г",
                    'g' => "г",
                    'D' => "Д",
                    'd' => "д",
                    'Đ' => "Ђ",
                    'đ' => "ђ",
                    'E' => "Е",
                    'e' => "е",
                    'Ž' => "Ж",
                    'ž' => "ж",
                    'Z' => "З",
                    'z' => "з",
                    'I' => "И",
                    'i' => "и",
                    'J' => "Ј",
                    'j' => "ј",
                    'K' => "К",
                    'k' => "к",
                    'L' => "Л",
                    'l' => "л",
                    'M' => "М",
                    'm' => "м",
                    'N' => "Н",
                    'n' => "н",
                    'O' => "О",
                    'o' => "о",
                    'P' => "П",
                    'p' => "п",
                    'R' => "Р",
                    'r' => "р",
                    'S' => "С",
                    's' => "с",
                    'T' => "Т",
                    't' => "т",
                    'Ć' => "Ћ",
                    'ć' => "ћ",
                    'U' => "У",
                    'u' => "у",
                    'F' => "Ф",
                    'f' => "ф",
                    'H' => "Х",
                    'h' => "х",
                    'C' => "Ц",
                    'c' => "ц",
                    'Č' => "Ч",
                    'č' => "ч",
                    'Š' => "Ш",
                    'š' => "ш",
                    other => {
                        out.push(other);
                        i += 1;
                        continue;
                    }
                },
                1,
            ),
        };
        out.push_str(r);
        i += n;
    }
    out
}

/// A nickname smugglers are known by on the phone ("Kak Rebwar", "Abu Salah").
pub fn nickname(rng: &mut impl Rng, name: &Name) -> String {
    let t = name.culture.table();
    let list = if name.female { t.female } else { t.male };
    let given = list.get(name.given as usize).map(|n| n.v[0]).unwrap_or("X");
    match (name.culture, name.female) {
        (Culture::Kurdish, false) => format!("Kak {given}"),
        (Culture::Kurdish, true) => format!("Daya {given}"),
        (Culture::Arabic | Culture::Afghan | Culture::Persian, female) => {
            let son = t.male[rng.gen_range(0..t.male.len())].v[0];
            format!("{} {son}", if female { "Umm" } else { "Abu" })
        }
        (Culture::Tigrinya, false) => format!("Wedi {given}"),
        _ => NICKNAMES[rng.gen_range(0..NICKNAMES.len())].to_owned(),
    }
}

const NICKNAMES: &[&str] = &[
    "the Doctor",
    "Boss",
    "the Bulgarian",
    "Capitano",
    "Big Man",
    "the Kurd",
    "Uncle",
    "the Engineer",
    "Professor",
    "Chef",
];

static VN_MIDDLE: [N; 6] = [
    n!("Thị", "Thi"),
    n!("Văn", "Van"),
    n!("Đức", "Duc"),
    n!("Minh"),
    n!("Quang"),
    n!("Hữu", "Huu"),
];

static BN_PREFIX: N = n!("Mohammad", "Md.", "Muhammad", "Mohammed", "Mohd");

static ARABIC: Table = Table {
    kind: Kind::GivenFatherFamily,
    male: &[
        n!("محمد"; "Mohammed", "Muhammad", "Mohamed", "Mohamad", "Mohammad", "Muhammed"),
        n!("أحمد"; "Ahmed", "Ahmad", "Achmed"),
        n!("علي"; "Ali", "Aly"),
        n!("حسن"; "Hassan", "Hasan"),
        n!("حسين"; "Hussein", "Husain", "Hussain", "Houssein", "Husayn"),
        n!("محمود"; "Mahmoud", "Mahmud", "Mahmood"),
        n!("عمر"; "Omar", "Umar", "Omer"),
        n!("خالد"; "Khaled", "Khalid", "Chaled"),
        n!("يوسف"; "Youssef", "Yusuf", "Yousef", "Youssouf", "Yousif"),
        n!("إبراهيم"; "Ibrahim", "Ebrahim", "Brahim"),
        n!("عبد الله"; "Abdullah", "Abdallah", "Abdulla", "Abd Allah"),
        n!("عبد الرحمن"; "Abdulrahman", "Abdelrahman", "Abd al-Rahman", "Abderrahmane"),
        n!("مصطفى"; "Mustafa", "Moustafa", "Mostafa"),
        n!("سعيد"; "Said", "Saeed", "Saïd", "Sayed"),
        n!("كريم"; "Karim", "Kareem"),
        n!("سامي"; "Sami", "Samy"),
        n!("طارق"; "Tariq", "Tarek", "Tarik"),
        n!("جمال"; "Jamal", "Djamel", "Gamal"),
        n!("وليد"; "Walid", "Waleed"),
        n!("فارس"; "Fares", "Faris"),
        n!("ياسين"; "Yassin", "Yasin", "Yacine", "Yaseen"),
        n!("بلال"; "Bilal", "Belal"),
        n!("عادل"; "Adel", "Adil"),
        n!("رامي"; "Rami", "Ramy"),
        n!("ماهر"; "Maher", "Mahir"),
        n!("نبيل"; "Nabil", "Nabeel"),
        n!("هشام"; "Hisham", "Hicham", "Hesham"),
        n!("زياد"; "Ziad", "Ziyad", "Zeyad"),
        n!("أيمن"; "Ayman", "Aymen"),
        n!("أنس"; "Anas", "Enes"),
        n!("صالح"; "Saleh", "Salih", "Salah"),
        n!("عثمان"; "Othman", "Osman", "Uthman"),
    ],
    female: &[
        n!("فاطمة"; "Fatima", "Fatma", "Fatimah", "Fatema"),
        n!("عائشة"; "Aisha", "Aicha", "Ayesha", "Aysha"),
        n!("مريم"; "Maryam", "Mariam", "Meryem"),
        n!("زينب"; "Zainab", "Zeinab", "Zaynab"),
        n!("نور"; "Nour", "Noor", "Nur"),
        n!("ليلى"; "Layla", "Leila", "Laila"),
        n!("هدى"; "Huda", "Houda", "Hoda"),
        n!("سارة"; "Sara", "Sarah"),
        n!("رنا"; "Rana"),
        n!("أمل"; "Amal"),
        n!("خديجة"; "Khadija", "Khadidja", "Khadeeja"),
        n!("ياسمين"; "Yasmin", "Yasmine", "Jasmin"),
    ],
    family: &[
        n!("الحسن"; "Al-Hassan", "Alhasan", "El Hassan", "Al Hasan", "Al-Hasan"),
        n!("الأحمد"; "Al-Ahmad", "Alahmad", "Al Ahmed", "El Ahmad"),
        n!("الخطيب"; "Al-Khatib", "Alkhateeb", "El Khatib", "Al Khateeb"),
        n!("الشامي"; "Al-Shami", "Alshami", "Ash-Shami", "El Chami"),
        n!("العلي"; "Al-Ali", "Alali", "El Ali"),
        n!("المصري"; "Al-Masri", "Almasri", "El Masry", "Al Masri"),
        n!("حداد"; "Haddad", "Hadad"),
        n!("خليل"; "Khalil", "Khaleel", "Halil"),
        n!("ناصر"; "Nasser", "Naser", "Nasir"),
        n!("سليمان"; "Suleiman", "Sulaiman", "Soliman", "Slimane"),
        n!("الجبوري"; "Al-Jubouri", "Aljuboori", "Al Jaburi", "Al-Juburi"),
        n!("الدليمي"; "Al-Dulaimi", "Aldulaimi", "Al Dulaymi"),
        n!("التميمي"; "Al-Tamimi", "Altamimi", "At-Tamimi", "Al Tamimi"),
        n!("حمدان"; "Hamdan", "Hamadan"),
        n!("درويش"; "Darwish", "Darwich", "Derviche"),
        n!("العبدالله"; "Al-Abdullah", "Alabdallah", "Al Abdallah"),
        n!("قاسم"; "Qasim", "Kassem", "Kasim", "Qassem"),
        n!("يونس"; "Younes", "Yunus", "Younis", "Yunis"),
        n!("منصور"; "Mansour", "Mansur", "Mansoor"),
        n!("الزين"; "Al-Zein", "Alzain", "El Zein", "Al Zain"),
        n!("سالم"; "Salem", "Salim"),
        n!("عيسى"; "Issa", "Eissa", "Isa"),
        n!("عبد الرحيم"; "Abdelrahim", "Abdulrahim", "Abdel Rahim"),
        n!("إدريس"; "Idris", "Idriss", "Edris"),
        n!("آدم"; "Adam", "Adem"),
        n!("بكري"; "Bakri", "Bakry"),
        n!("حامد"; "Hamid", "Hamed"),
        n!("الراوي"; "Al-Rawi", "Alrawi", "Ar-Rawi", "El Rawi"),
        n!("الكردي"; "Al-Kurdi", "Alkurdi", "El Kurdi"),
        n!("العمر"; "Al-Omar", "Alomar", "Al Omar", "El Omar"),
    ],
};

static KURDISH: Table = Table {
    kind: Kind::GivenFather,
    male: &[
        n!("ڕێبوار"; "Rebwar", "Rebuar", "Reboar"),
        n!("کاروان"; "Karwan", "Karwân", "Karvan"),
        n!("هیوا"; "Hiwa", "Hewa", "Hiva"),
        n!("دلێر"; "Dler", "Diler", "Dlair"),
        n!("شوان"; "Shwan", "Shuwan", "Şivan"),
        n!("ئارام"; "Aram", "Araam"),
        n!("ئازاد"; "Azad", "Azat"),
        n!("بەختیار"; "Bakhtiyar", "Bakhtiar", "Bakhtyar", "Baxtiyar"),
        n!("هێمن"; "Hemin", "Hemn", "Hêmin"),
        n!("شێرزاد"; "Sherzad", "Shirzad", "Şêrzad"),
        n!("زانا"; "Zana"),
        n!("کاوە"; "Kawa", "Kaveh", "Kava"),
        n!("سۆران"; "Soran", "Suran"),
        n!("دلشاد"; "Dilshad", "Dilşad", "Delshad"),
        n!("ڕەوەند"; "Rawand", "Rewand", "Ravand"),
        n!("بارزان"; "Barzan", "Barzaan"),
        n!("هەوکار"; "Hawkar", "Hawker", "Havkar"),
        n!("سەربەست"; "Sarbast", "Serbest"),
        n!("ئاسۆ"; "Aso", "Asso"),
        n!("پشتیوان"; "Peshtiwan", "Pishtiwan", "Peshtivan"),
    ],
    female: &[
        n!("شیلان"; "Shilan", "Şîlan", "Chilan"),
        n!("ڕۆژین"; "Rojin", "Rozhin", "Rozheen"),
        n!("نازدار"; "Nazdar", "Nazdaar"),
        n!("ئاواز"; "Awaz", "Avaz"),
        n!("هانا"; "Hana", "Hanna"),
        n!("بێریڤان"; "Berivan", "Bêrîvan", "Berivaan"),
        n!("شادی"; "Shadi", "Şadî"),
        n!("ژیان"; "Zhian", "Jiyan", "Zhyan"),
    ],
    family: &[
        n!("ئەحمەد"; "Ahmed", "Ahmad", "Ehmed"),
        n!("مەحمود"; "Mahmoud", "Mahmud", "Mehmud"),
        n!("عەبدوڵڵا"; "Abdullah", "Abdulla", "Ebdulla"),
        n!("ڕەسوڵ"; "Rasul", "Rasoul", "Resul"),
        n!("کەریم"; "Karim", "Kareem", "Kerim"),
        n!("قادر"; "Qadir", "Kadir", "Qader"),
        n!("حەمە"; "Hama", "Hamah", "Heme"),
        n!("عەزیز"; "Aziz", "Eziz"),
        n!("عوسمان"; "Othman", "Osman", "Usman"),
        n!("محەمەد"; "Mohammed", "Muhammad", "Mihemed", "Mohamad"),
        n!("ساڵح"; "Salih", "Saleh", "Salh"),
        n!("فەرەج"; "Faraj", "Faradj", "Ferec"),
        n!("حوسێن"; "Hussein", "Husain", "Husên"),
        n!("ئیبراهیم"; "Ibrahim", "Ebrahim", "Îbrahîm"),
        n!("ڕەشید"; "Rashid", "Rasheed", "Reşîd"),
        n!("جەلال"; "Jalal", "Celal", "Djalal"),
        n!("عومەر"; "Omar", "Umar", "Omer"),
        n!("مستەفا"; "Mustafa", "Mistefa", "Moustafa"),
    ],
};

static AFGHAN: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("احمد"; "Ahmad", "Ahmed", "Ahmet"),
        n!("محمد"; "Mohammad", "Mohammed", "Muhammad", "Mohamad"),
        n!("غلام"; "Ghulam", "Gholam", "Golam"),
        n!("حمید"; "Hamid", "Hameed", "Hamed"),
        n!("جواد"; "Jawad", "Javad", "Djawad"),
        n!("میرویس"; "Mirwais", "Mir Wais", "Mirways"),
        n!("نصیر"; "Nasir", "Naseer", "Nassir"),
        n!("رحیم"; "Rahim", "Raheem", "Rohim"),
        n!("رحمت الله"; "Rahmatullah", "Rahmatollah", "Rahmat Ullah"),
        n!("سید"; "Sayed", "Said", "Sayyid", "Seyed"),
        n!("شفیق"; "Shafiq", "Shafik", "Chafik"),
        n!("وحید"; "Wahid", "Waheed", "Vahid"),
        n!("ذبیح الله"; "Zabihullah", "Zabiullah", "Zabihollah"),
        n!("حبیب"; "Habib", "Habeeb"),
        n!("نجیب"; "Najib", "Najeeb", "Nadjib"),
        n!("حکمت"; "Hekmat", "Hikmat"),
        n!("فرید"; "Farid", "Fareed"),
        n!("نور"; "Noor", "Nur", "Nour"),
        n!("عزیز"; "Aziz", "Azeez"),
        n!("جمشید"; "Jamshid", "Jamshed", "Djamshid"),
        n!("عبدالله"; "Abdullah", "Abdollah", "Abdulla"),
        n!("اسد الله"; "Asadullah", "Asadollah", "Assadullah"),
    ],
    female: &[
        n!("زهرا"; "Zahra", "Zahrah", "Zohra"),
        n!("مریم"; "Maryam", "Mariam"),
        n!("فرشته"; "Fereshta", "Freshta", "Fereshte"),
        n!("مرسل"; "Mursal", "Morsal"),
        n!("پروانه"; "Parwana", "Parvana", "Parvaneh"),
        n!("شبنم"; "Shabnam", "Chabnam"),
        n!("زینب"; "Zainab", "Zeinab"),
        n!("نازیه"; "Nazia", "Naziya"),
    ],
    family: &[
        n!("احمدزی"; "Ahmadzai", "Ahmadzay", "Ahmadzei"),
        n!("پوپل"; "Popal", "Popalzai"),
        n!("کریمی"; "Karimi", "Kareemi"),
        n!("حکیمی"; "Hakimi", "Hakeemi"),
        n!("رحیمی"; "Rahimi", "Raheemi"),
        n!("نوری"; "Noori", "Nouri", "Nuri"),
        n!("حسینی"; "Hussaini", "Hosseini", "Husaini"),
        n!("ستانکزی"; "Stanikzai", "Stanekzai", "Stanakzai"),
        n!("سلطانی"; "Sultani", "Soltani"),
        n!("جلالی"; "Jalali", "Djalali"),
        n!("محمدی"; "Mohammadi", "Muhammadi", "Mohamadi"),
        n!("صافی"; "Safi", "Saafi"),
        n!("امیری"; "Amiri", "Ameri"),
        n!("وردک"; "Wardak", "Wardag", "Vardak"),
        n!("حیدری"; "Haidari", "Heydari", "Haydari"),
        n!("عزیزی"; "Azizi", "Azeezi"),
        n!("شریفی"; "Sharifi", "Charifi"),
        n!("نیازی"; "Niazi", "Nyazi"),
        n!("زازی"; "Zazai", "Zazay"),
        n!("یوسفزی"; "Yousufzai", "Yousafzai", "Yusufzai"),
        n!("خان"; "Khan", "Chan"),
        n!("احمدی"; "Ahmadi", "Ahmedi"),
    ],
};

static PERSIAN: Table = Table {
    kind: Kind::GivenFatherFamily,
    male: &[
        n!("رضا"; "Reza", "Rezā", "Resa"),
        n!("علی"; "Ali", "Aly"),
        n!("مهدی"; "Mehdi", "Mahdi"),
        n!("حسین"; "Hossein", "Hussein", "Hosein"),
        n!("امیر"; "Amir", "Ameer"),
        n!("محسن"; "Mohsen", "Muhsin"),
        n!("سعید"; "Saeed", "Said", "Saïd"),
        n!("بهزاد"; "Behzad", "Behzād", "Bezad"),
        n!("داریوش"; "Dariush", "Daryoush", "Darius"),
        n!("فرهاد"; "Farhad", "Farhaad"),
        n!("کوروش"; "Kourosh", "Kurosh", "Cyrus"),
        n!("حمید"; "Hamid", "Hameed"),
        n!("جواد"; "Javad", "Jawad"),
        n!("مجید"; "Majid", "Madjid", "Majeed"),
    ],
    female: &[
        n!("مریم"; "Maryam", "Mariam"),
        n!("فاطمه"; "Fatemeh", "Fatima", "Fatemah"),
        n!("زهرا"; "Zahra", "Zahrah"),
        n!("نرگس"; "Narges", "Nargis"),
        n!("لیلا"; "Leila", "Leyla", "Layla"),
        n!("شیرین"; "Shirin", "Chirine", "Shireen"),
    ],
    family: &[
        n!("محمدی"; "Mohammadi", "Mohamadi", "Muhammadi"),
        n!("حسینی"; "Hosseini", "Husseini", "Hoseini"),
        n!("احمدی"; "Ahmadi", "Ahmedi"),
        n!("رضایی"; "Rezaei", "Rezaee", "Rezai"),
        n!("مرادی"; "Moradi", "Muradi"),
        n!("کریمی"; "Karimi", "Kareemi"),
        n!("جعفری"; "Jafari", "Jaafari", "Djafari"),
        n!("رحیمی"; "Rahimi", "Raheemi"),
        n!("قربانی"; "Ghorbani", "Qorbani", "Gorbani"),
        n!("صادقی"; "Sadeghi", "Sadeqi", "Sadegi"),
        n!("هاشمی"; "Hashemi", "Hachemi", "Hashimi"),
        n!("عباسی"; "Abbasi", "Abassi"),
        n!("نجفی"; "Najafi", "Nadjafi"),
        n!("کاظمی"; "Kazemi", "Kazimi", "Qazemi"),
    ],
};

static TIGRINYA: Table = Table {
    kind: Kind::GivenFather,
    male: &[
        n!("ተስፋይ"; "Tesfay", "Tesfaye", "Tesfai"),
        n!("ዮሃንስ"; "Yohannes", "Yohanes", "Johannes"),
        n!("ዳዊት"; "Dawit", "Dawitt", "Davit"),
        n!("ሰመረ"; "Semere", "Semre", "Semery"),
        n!("መሓሪ"; "Mehari", "Mehary", "Meharie"),
        n!("ተኽለ"; "Tekle", "Teklay", "Tekleh"),
        n!("ብርሃነ"; "Berhane", "Berhan", "Birhane"),
        n!("ፊልሞን"; "Filmon", "Filimon", "Philemon"),
        n!("ኪዳነ"; "Kidane", "Kedane", "Kidanè"),
        n!("ግርማይ"; "Ghirmay", "Girmay", "Germay"),
        n!("ሃብቶም"; "Habtom", "Habtum", "Habtoum"),
        n!("ሙሴ"; "Mussie", "Musie", "Muse"),
        n!("ኣማኑኤል"; "Amanuel", "Emmanuel", "Amaniel"),
        n!("መርሓዊ"; "Merhawi", "Merhawie", "Merhawy"),
        n!("ቢንያም"; "Biniam", "Biniyam", "Binyam"),
        n!("ተወልደ"; "Tewelde", "Tewolde", "Tewoldé"),
        n!("የማነ"; "Yemane", "Yemani", "Yimane"),
        n!("ሳሙኤል"; "Samuel", "Samiel", "Samouel"),
    ],
    female: &[
        n!("ሄለን"; "Helen", "Hellen", "Helén"),
        n!("ሰናይት"; "Senait", "Senayt", "Sennait"),
        n!("ሰላም"; "Selam", "Salam", "Selamawit"),
        n!("ሳባ"; "Saba", "Sabba"),
        n!("ራሄል"; "Rahel", "Rachel", "Rahael"),
        n!("ምብራት"; "Mebrat", "Mibrat", "Mebrhat"),
        n!("ሉዋም"; "Luwam", "Luam", "Louam"),
        n!("ፀጋ"; "Tsega", "Tsige", "Tsegga"),
        n!("ኣልማዝ"; "Almaz", "Almaaz"),
        n!("ፍሬ"; "Freweyni", "Frewoini", "Frewini"),
    ],
    family: &[
        n!("ገብረመድህን"; "Gebremedhin", "Ghebremedhin", "Gebre Medhin", "Gebremedin"),
        n!("ገብረየሱስ"; "Gebreyesus", "Ghebreyesus", "Gebre-Yesus"),
        n!("ሃይለ"; "Haile", "Hayle", "Hailé"),
        n!("ወልደማርያም"; "Woldemariam", "Weldemariam", "Wolde Mariam"),
        n!("ተስፋማርያም"; "Tesfamariam", "Tesfa Mariam", "Tesfamaryam"),
        n!("ካሕሳይ"; "Kahsay", "Kassay", "Kahsai"),
        n!("ሓጎስ"; "Hagos", "Hagoss", "Haghos"),
        n!("በርሀ"; "Berhe", "Berhie", "Berehe"),
        n!("ነጋሽ"; "Negash", "Negasi", "Negaš"),
        n!("ኣስመሮም"; "Asmerom", "Asmarom", "Asmeron"),
        n!("ተስፋይ"; "Tesfay", "Tesfaye", "Tesfai"),
        n!("ዮሃንስ"; "Yohannes", "Yohanes", "Johannes"),
        n!("ተኽለ"; "Tekle", "Teklay", "Tekleh"),
        n!("ግርማይ"; "Ghirmay", "Girmay", "Germay"),
        n!("ወልዱ"; "Weldu", "Woldu", "Weldai"),
        n!("ገብረሚካኤል"; "Gebremichael", "Ghebremichael", "Gebre Mikael"),
        n!("ሃብተ"; "Habte", "Habté", "Habtay"),
        n!("መንግስ"; "Mengis", "Mengistu", "Mengs"),
    ],
};

static SLAVIC: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Олександр"; "Oleksandr", "Aleksandr", "Alexander", "Oleksander"),
        n!("Сергій"; "Serhiy", "Sergei", "Sergey", "Serhii"),
        n!("Дмитро"; "Dmytro", "Dmitri", "Dmitriy", "Dmitry"),
        n!("Андрій"; "Andriy", "Andrei", "Andrey", "Andrii"),
        n!("Віктор"; "Viktor", "Victor", "Wiktor"),
        n!("Іван"; "Ivan", "Iwan", "Ivane"),
        n!("Микола"; "Mykola", "Nikolai", "Nikolay", "Nicolai"),
        n!("Юрій"; "Yuriy", "Yuri", "Iurii", "Jurij"),
        n!("Володимир"; "Volodymyr", "Vladimir", "Wladimir"),
        n!("Георги"; "Georgi", "Gueorgui", "Georgy", "Georgiy"),
        n!("Стефан"; "Stefan", "Stephan", "Stefane"),
        n!("Димитър"; "Dimitar", "Dimitr", "Dimiter"),
        n!("Петър"; "Petar", "Peter", "Petr"),
        n!("Михаил"; "Mikhail", "Michail", "Mihail", "Mykhailo"),
    ],
    female: &[
        n!("Олена"; "Olena", "Elena", "Yelena", "Jelena"),
        n!("Наталія"; "Nataliya", "Natalia", "Natalya"),
        n!("Тетяна"; "Tetiana", "Tatiana", "Tatyana"),
        n!("Марія"; "Mariya", "Maria", "Marija"),
        n!("Ірина"; "Iryna", "Irina", "Iryina"),
    ],
    family: &[
        n!("Коваленко"; "Kovalenko", "Kowalenko", "Kovalenco"),
        n!("Шевченко"; "Shevchenko", "Schewtschenko", "Chevtchenko"),
        n!("Бондаренко"; "Bondarenko", "Bondarenco"),
        n!("Петров"; "Petrov", "Petroff", "Petrow"),
        n!("Иванов"; "Ivanov", "Ivanoff", "Iwanow"),
        n!("Георгиев"; "Georgiev", "Gueorguiev", "Georgieff"),
        n!("Димитров"; "Dimitrov", "Dimitroff", "Dimitrow"),
        n!("Попов"; "Popov", "Popoff", "Popow"),
        n!("Йорданов"; "Yordanov", "Iordanov", "Jordanov"),
        n!("Стоянов"; "Stoyanov", "Stojanov", "Stoianov"),
        n!("Мельник"; "Melnyk", "Melnik", "Mielnik"),
        n!("Ткаченко"; "Tkachenko", "Tkatchenko", "Tkaczenko"),
        n!("Кузнецов"; "Kuznetsov", "Kuznetsoff", "Kusnezow"),
        n!("Соколов"; "Sokolov", "Sokoloff", "Sokolow"),
    ],
};

static SERBIAN: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Никола"; "Nikola"),
        n!("Милош"; "Miloš", "Milos", "Milosh"),
        n!("Драган"; "Dragan"),
        n!("Горан"; "Goran"),
        n!("Зоран"; "Zoran"),
        n!("Марко"; "Marko", "Marco"),
        n!("Небојша"; "Nebojša", "Nebojsa", "Nebojsha"),
        n!("Дејан"; "Dejan", "Deyan"),
        n!("Александар"; "Aleksandar", "Alexandar"),
        n!("Ненад"; "Nenad"),
    ],
    female: &[
        n!("Јелена"; "Jelena", "Yelena"),
        n!("Милица"; "Milica", "Militsa"),
        n!("Ана"; "Ana", "Anna"),
        n!("Драгана"; "Dragana"),
    ],
    family: &[
        n!("Петровић"; "Petrović", "Petrovic", "Petrovich"),
        n!("Јовановић"; "Jovanović", "Jovanovic", "Yovanovich"),
        n!("Николић"; "Nikolić", "Nikolic", "Nikolitch"),
        n!("Марковић"; "Marković", "Markovic", "Markovich"),
        n!("Ђорђевић"; "Đorđević", "Djordjevic", "Dordevic"),
        n!("Стојановић"; "Stojanović", "Stojanovic", "Stoyanovich"),
        n!("Илић"; "Ilić", "Ilic", "Ilich"),
        n!("Станковић"; "Stanković", "Stankovic"),
        n!("Павловић"; "Pavlović", "Pavlovic", "Pavlovich"),
        n!("Милошевић"; "Milošević", "Milosevic"),
    ],
};

static ALBANIAN: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Arben"),
        n!("Besnik", "Besnick"),
        n!("Ilir"),
        n!("Gentian", "Gentjan"),
        n!("Artan"),
        n!("Fatmir", "Fatmire"),
        n!("Agron"),
        n!("Dritan"),
        n!("Erion", "Erjon"),
        n!("Kujtim", "Kujtime"),
        n!("Blerim"),
        n!("Ervin", "Erwin"),
    ],
    female: &[
        n!("Elira"),
        n!("Blerta"),
        n!("Arta"),
        n!("Mimoza"),
        n!("Anila"),
    ],
    family: &[
        n!("Hoxha", "Hodža", "Hodja"),
        n!("Krasniqi", "Krasniçi", "Krasnici"),
        n!("Berisha", "Berischa"),
        n!("Gashi", "Gaši"),
        n!("Shehu", "Sheu"),
        n!("Dervishi", "Dervisi"),
        n!("Kola"),
        n!("Leka"),
        n!("Marku"),
        n!("Çela", "Cela", "Tchela"),
        n!("Bajrami", "Bayrami"),
        n!("Hysa", "Hysaj"),
    ],
};

static TURKISH: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Mehmet", "Mehmed", "Mehmat"),
        n!("Mustafa", "Moustafa"),
        n!("Ahmet", "Ahmed"),
        n!("Hüseyin", "Huseyin", "Hussein"),
        n!("İbrahim", "Ibrahim"),
        n!("Yusuf", "Yousouf"),
        n!("Murat", "Murad"),
        n!("Emre"),
        n!("Hakan"),
        n!("Kemal", "Kamal"),
        n!("Serkan"),
        n!("Ömer", "Omer", "Oemer"),
        n!("Osman"),
        n!("Burak"),
    ],
    female: &[
        n!("Ayşe", "Ayse", "Aysche"),
        n!("Fatma"),
        n!("Elif"),
        n!("Zeynep", "Zeinep"),
        n!("Emine"),
    ],
    family: &[
        n!("Yılmaz", "Yilmaz", "Jilmaz"),
        n!("Kaya"),
        n!("Demir"),
        n!("Şahin", "Sahin", "Schahin"),
        n!("Çelik", "Celik", "Tchelik"),
        n!("Yıldız", "Yildiz"),
        n!("Öztürk", "Ozturk", "Oeztuerk"),
        n!("Aydın", "Aydin"),
        n!("Arslan", "Aslan"),
        n!("Doğan", "Dogan"),
        n!("Kılıç", "Kilic"),
        n!("Aksoy"),
        n!("Polat"),
        n!("Koç", "Koc"),
    ],
};

static VIETNAMESE: Table = Table {
    kind: Kind::Vietnamese,
    male: &[
        n!("Anh"),
        n!("Hùng", "Hung"),
        n!("Dũng", "Dung"),
        n!("Tuấn", "Tuan"),
        n!("Cường", "Cuong"),
        n!("Long"),
        n!("Nam"),
        n!("Thành", "Thanh"),
        n!("Huy"),
        n!("Hải", "Hai"),
        n!("Phúc", "Phuc"),
        n!("Quân", "Quan"),
    ],
    female: &[
        n!("Lan"),
        n!("Hương", "Huong"),
        n!("Linh"),
        n!("Mai"),
        n!("Trang"),
        n!("Ngọc", "Ngoc"),
        n!("Thảo", "Thao"),
    ],
    family: &[
        n!("Nguyễn", "Nguyen", "Nguyn"),
        n!("Trần", "Tran"),
        n!("Lê", "Le"),
        n!("Phạm", "Pham"),
        n!("Hoàng", "Hoang"),
        n!("Huỳnh", "Huynh"),
        n!("Vũ", "Vu"),
        n!("Võ", "Vo"),
        n!("Đặng", "Dang"),
        n!("Bùi", "Bui"),
        n!("Đỗ", "Do"),
        n!("Ngô", "Ngo"),
    ],
};

static BENGALI: Table = Table {
    kind: Kind::Bengali,
    male: &[
        n!("Rahim", "Raheem", "Rohim"),
        n!("Karim", "Kareem", "Korim"),
        n!("Alam", "Alom"),
        n!("Rafiq", "Rafique", "Rofik"),
        n!("Jamal", "Jamaal"),
        n!("Kamal", "Komol"),
        n!("Shafiqul", "Shafikul", "Safiqul"),
        n!("Aminul", "Amenul"),
        n!("Nurul", "Noorul", "Nural"),
        n!("Anwar", "Anowar", "Anuar"),
        n!("Habibur", "Habibor"),
        n!("Mizanur", "Mizan", "Mijanur"),
        n!("Saiful", "Shaiful", "Saifool"),
        n!("Ayub", "Ayoub", "Aiyub"),
        n!("Rashid", "Rasheed", "Roshid"),
        n!("Salim", "Selim", "Shalim"),
    ],
    female: &[
        n!("Fatema", "Fatima", "Fatemah"),
        n!("Rokeya", "Rokeia", "Rukeya"),
        n!("Nasima", "Nasema", "Nasimah"),
        n!("Rahima", "Raheema", "Rohima"),
        n!("Shirin", "Shireen", "Sirin"),
        n!("Ayesha", "Aisha", "Aysha"),
    ],
    family: &[
        n!("Hossain", "Hussain", "Hosen", "Hossen"),
        n!("Rahman", "Rahaman", "Rehman"),
        n!("Islam", "Islaam"),
        n!("Uddin", "Uddeen", "Udin"),
        n!("Ahmed", "Ahmad"),
        n!("Alam", "Alom"),
        n!("Miah", "Mia", "Mian"),
        n!("Sarker", "Sarkar", "Sircar"),
        n!("Chowdhury", "Choudhury", "Chowdhuri", "Chaudhry"),
        n!("Khan", "Kahn"),
        n!("Akter", "Akhter", "Aktar"),
        n!("Begum", "Begom"),
    ],
};

static WEST_AFRICAN: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Mamadou", "Mamadu", "Mohamadou"),
        n!("Ousmane", "Usman", "Ousman"),
        n!("Ibrahima", "Ibrahim", "Ebrima"),
        n!("Abdoulaye", "Abdulai", "Abdullahi"),
        n!("Moussa", "Musa", "Mousa"),
        n!("Amadou", "Ahmadou", "Amadu"),
        n!("Lamine", "Lamin", "Lameen"),
        n!("Sékou", "Sekou", "Sekuba"),
        n!("Alhassane", "Alasan", "Alhassan"),
        n!("Modou", "Modu"),
        n!("Bakary", "Bakari", "Bakarie"),
        n!("Chinedu", "Chinedou"),
        n!("Emeka"),
        n!("Oluwaseun", "Seun", "Oluseun"),
        n!("Ifeanyi", "Ifeanyichukwu"),
        n!("Babatunde", "Tunde"),
    ],
    female: &[
        n!("Fatoumata", "Fatumata", "Fatou"),
        n!("Aminata", "Aminatou", "Aminatu"),
        n!("Mariama", "Mariam", "Mariamah"),
        n!("Awa", "Awaa"),
        n!("Blessing"),
        n!("Joy", "Joye"),
        n!("Precious"),
        n!("Chioma", "Chiomah"),
    ],
    family: &[
        n!("Diallo", "Jallow", "Djalo", "Jalloh"),
        n!("Bah", "Ba"),
        n!("Barry", "Bari"),
        n!("Sow", "Sowe"),
        n!("Camara", "Kamara"),
        n!("Traoré", "Traore", "Trawally"),
        n!("Touré", "Toure", "Ture"),
        n!("Keita", "Keïta", "Keyta"),
        n!("Sissoko", "Cissoko"),
        n!("Ceesay", "Cissé", "Sise"),
        n!("Okafor", "Okaffor"),
        n!("Okonkwo", "Okonkwor"),
        n!("Adeyemi", "Adeyemy"),
        n!("Eze"),
        n!("Balde", "Baldeh"),
        n!("Conteh", "Conté", "Konte"),
    ],
};

static FRENCH: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Jean"),
        n!("Pierre"),
        n!("Nicolas"),
        n!("Julien"),
        n!("Thomas"),
        n!("Kévin", "Kevin"),
        n!("Mickaël", "Mickael", "Michael"),
        n!("Sébastien", "Sebastien"),
        n!("Karim"),
        n!("Mehdi"),
        n!("Rachid"),
        n!("Franck", "Frank"),
    ],
    female: &[
        n!("Marie"),
        n!("Julie"),
        n!("Sandrine"),
        n!("Nadia"),
        n!("Céline", "Celine"),
    ],
    family: &[
        n!("Martin"),
        n!("Bernard"),
        n!("Dubois"),
        n!("Lefèvre", "Lefevre", "Lefebvre"),
        n!("Leroy", "Le Roy"),
        n!("Moreau"),
        n!("Fournier"),
        n!("Benali", "Ben Ali"),
        n!("Boulanger"),
        n!("Dupont", "Du Pont"),
        n!("Mercier"),
        n!("Lambert"),
    ],
};

static FLEMISH: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Kevin"),
        n!("Jonas"),
        n!("Tom"),
        n!("Pieter", "Peter"),
        n!("Wim"),
        n!("Geert"),
        n!("Mohamed", "Mohammed"),
        n!("Youssef", "Youssouf"),
        n!("Bart"),
        n!("Dries"),
    ],
    female: &[
        n!("Sofie", "Sophie"),
        n!("An", "Ann"),
        n!("Liesbeth"),
        n!("Fatima"),
    ],
    family: &[
        n!("Peeters", "Peters"),
        n!("Janssens", "Janssen"),
        n!("Maes"),
        n!("Jacobs"),
        n!("Willems"),
        n!("De Smet", "Desmet"),
        n!("Van den Berghe", "Vandenberghe", "Van Den Berghe"),
        n!("De Vos", "Devos"),
        n!("El Amrani", "Elamrani"),
        n!("Claes", "Claeys"),
        n!("Goossens", "Goosens"),
        n!("Van Damme", "Vandamme"),
    ],
};

static DUTCH: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Jan"),
        n!("Pieter"),
        n!("Mark", "Marc"),
        n!("Dennis"),
        n!("Sander"),
        n!("Bas"),
        n!("Mohamed"),
        n!("Ricardo"),
    ],
    female: &[n!("Anouk"), n!("Sanne"), n!("Fleur")],
    family: &[
        n!("de Jong", "De Jong", "Dejong"),
        n!("van Dijk", "Van Dijk", "Vandijk"),
        n!("Bakker"),
        n!("Visser"),
        n!("Smit"),
        n!("de Vries", "De Vries", "Devries"),
        n!("van der Meer", "Van der Meer", "Vandermeer"),
        n!("Mulder"),
        n!("El Idrissi", "Elidrissi"),
        n!("Boukhari", "Bouchari"),
    ],
};

static BRITISH: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("James"),
        n!("David"),
        n!("Daniel"),
        n!("Liam"),
        n!("Ryan"),
        n!("Craig"),
        n!("Imran"),
        n!("Kamran"),
    ],
    female: &[n!("Sarah"), n!("Emma"), n!("Aisha")],
    family: &[
        n!("Smith"),
        n!("Jones"),
        n!("Taylor"),
        n!("Brown"),
        n!("Wilson"),
        n!("Evans"),
        n!("Khan"),
        n!("Patel"),
        n!("Begum"),
        n!("Hussain", "Hussein"),
    ],
};

static GREEK: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Γιώργος"; "Giorgos", "Georgios", "Yiorgos"),
        n!("Δημήτρης"; "Dimitris", "Dimitrios", "Demetrios"),
        n!("Νίκος"; "Nikos", "Nikolaos", "Nicholas"),
        n!("Κώστας"; "Kostas", "Konstantinos", "Costas"),
        n!("Γιάννης"; "Giannis", "Ioannis", "Yannis"),
        n!("Βασίλης"; "Vasilis", "Vasileios", "Basil"),
    ],
    female: &[
        n!("Μαρία"; "Maria"),
        n!("Ελένη"; "Eleni", "Helen"),
        n!("Κατερίνα"; "Katerina", "Aikaterini"),
    ],
    family: &[
        n!("Παπαδόπουλος"; "Papadopoulos", "Papadopulos", "Papadopoulous"),
        n!("Παπαδάκης"; "Papadakis", "Papadakes"),
        n!("Γεωργίου"; "Georgiou", "Georgiu", "Yeoryiou"),
        n!("Νικολαΐδης"; "Nikolaidis", "Nikolaides", "Nicolaidis"),
        n!("Βλάχος"; "Vlachos", "Vlahos"),
        n!("Οικονόμου"; "Oikonomou", "Ikonomou", "Economou"),
        n!("Αντωνίου"; "Antoniou", "Antoniu"),
        n!("Μακρής"; "Makris", "Macris"),
    ],
};

static ROMANIAN: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Ionuț", "Ionut"),
        n!("Andrei"),
        n!("Mihai"),
        n!("Florin"),
        n!("Marian"),
        n!("Alexandru"),
        n!("Gheorghe", "Gheorghie"),
        n!("Vasile"),
        n!("Constantin"),
        n!("Ion"),
    ],
    female: &[n!("Elena"), n!("Ioana"), n!("Mihaela")],
    family: &[
        n!("Popescu"),
        n!("Ionescu"),
        n!("Popa"),
        n!("Dumitru"),
        n!("Stan"),
        n!("Munteanu"),
        n!("Ștefan", "Stefan", "Ştefan"),
        n!("Rusu"),
        n!("Ceban", "Cheban"),
        n!("Lungu"),
        n!("Ciobanu", "Chobanu"),
    ],
};

static POLISH: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Krzysztof", "Krystof"),
        n!("Piotr"),
        n!("Tomasz", "Tomas"),
        n!("Paweł", "Pawel"),
        n!("Marcin"),
        n!("Michał", "Michal"),
    ],
    female: &[n!("Anna"), n!("Katarzyna")],
    family: &[
        n!("Kowalski", "Kovalski"),
        n!("Nowak", "Novak"),
        n!("Wiśniewski", "Wisniewski"),
        n!("Wójcik", "Wojcik"),
        n!("Kamiński", "Kaminski"),
        n!("Lewandowski", "Levandowski"),
    ],
};

static LITHUANIAN: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Tomas"),
        n!("Mantas"),
        n!("Darius"),
        n!("Andrius"),
        n!("Jonas"),
    ],
    female: &[n!("Rasa"), n!("Ieva")],
    family: &[
        n!("Kazlauskas"),
        n!("Jankauskas"),
        n!("Petrauskas"),
        n!("Stankevičius", "Stankevicius"),
        n!("Žukauskas", "Zukauskas"),
    ],
};

static ITALIAN: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("Giuseppe"),
        n!("Antonio"),
        n!("Salvatore"),
        n!("Francesco"),
        n!("Marco"),
        n!("Vincenzo"),
    ],
    female: &[n!("Giulia"), n!("Francesca"), n!("Rosa")],
    family: &[
        n!("Russo"),
        n!("Esposito"),
        n!("Romano"),
        n!("Bianchi"),
        n!("Lombardo"),
        n!("Greco"),
        n!("Ferraro", "Ferrara"),
        n!("Di Stefano", "Distefano", "De Stefano"),
    ],
};

static THAI: Table = Table {
    kind: Kind::GivenFamily,
    male: &[
        n!("สมชาย"; "Somchai", "Somchay", "Somchaï"),
        n!("สุชาติ"; "Suchart", "Suchat", "Suchad"),
        n!("ประสิทธิ์"; "Prasit", "Prasith", "Prasert"),
        n!("อนันต์"; "Anan", "Anant"),
        n!("บุญมี"; "Boonmee", "Bunmi", "Boonmi"),
        n!("วิชัย"; "Wichai", "Vichai", "Wichay"),
    ],
    female: &[n!("มาลี"; "Malee", "Mali"), n!("สุดา"; "Suda", "Sooda")],
    family: &[
        n!("แซ่ตั้ง"; "Saetang", "Sae-Tang", "Sae Tang"),
        n!("ศรีสุข"; "Srisuk", "Srisook", "Sri-suk"),
        n!("ชัยพร"; "Chaiyaporn", "Chaiyaphon", "Chaiyapon"),
        n!("วงศ์สวัสดิ์"; "Wongsawat", "Vongsavat", "Wongsawad"),
        n!("ทองชัย"; "Thongchai", "Tongchai", "Thongchay"),
        n!("บุญเรือง"; "Boonruang", "Bunruang", "Boonrueang"),
    ],
};

static MALAY: Table = Table {
    kind: Kind::Malay,
    male: &[
        n!("Ahmad", "Ahmed"),
        n!("Mohd", "Mohamad", "Muhammad", "Mohammad"),
        n!("Azman", "Azmann"),
        n!("Faizal", "Faisal", "Faizul"),
        n!("Rizal", "Rizall"),
        n!("Ismail", "Ismael", "Esmail"),
        n!("Hafiz", "Hafeez"),
        n!("Zulkifli", "Zulkifly"),
        n!("Rahman", "Rahmân"),
        n!("Hassan", "Hasan"),
    ],
    female: &[n!("Siti"), n!("Nurul", "Noorul"), n!("Aishah", "Aisyah")],
    family: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::stream;

    fn all_cultures() -> Vec<Culture> {
        use Culture::*;
        vec![
            Arabic,
            Kurdish,
            Afghan,
            Persian,
            Tigrinya,
            Slavic,
            Serbian,
            Albanian,
            Turkish,
            Vietnamese,
            Bengali,
            WestAfrican,
            French,
            Flemish,
            Dutch,
            British,
            Greek,
            Romanian,
            Polish,
            Lithuanian,
            Italian,
            Thai,
            Malay,
        ]
    }

    #[test]
    fn every_culture_writes_non_empty_names() {
        let mut r = stream(1, &[]);
        let style = NameStyle {
            variant: 1,
            upper_family: true,
            father: 0.5,
            family_first: false,
            ascii: true,
            serbian: false,
        };
        let noise = NameNoise {
            variant: 0.5,
            typo: 0.5,
        };
        let mut counts = NameCounts::default();
        for c in all_cultures() {
            for female in [false, true] {
                for _ in 0..50 {
                    let n = new_name(&mut r, c, female);
                    let w = write(&mut r, &n, &style, &noise, &mut counts);
                    assert!(!w.first.trim().is_empty(), "{c:?}");
                    assert!(!w.full.trim().is_empty(), "{c:?}");
                    assert!(!canonical(&n).is_empty());
                    assert_eq!(w.full.trim(), w.full, "{c:?} {w:?}");
                }
            }
        }
        assert!(counts.typo > 0 && counts.variant > 0);
    }

    #[test]
    fn romanisations_and_native_script() {
        let n = Name {
            culture: Culture::Arabic,
            female: false,
            given: 0,
            middle: 1,
            family: 0,
        };
        assert_eq!(canonical(&n), "Mohammed Ahmed Al-Hassan");
        assert_eq!(native(&n).as_deref(), Some("محمد أحمد الحسن"));
        let style = NameStyle {
            variant: 1,
            upper_family: false,
            father: 0.0,
            family_first: false,
            ascii: false,
            serbian: false,
        };
        let quiet = NameNoise {
            variant: 0.0,
            typo: 0.0,
        };
        let mut r = stream(1, &[]);
        let w = write(&mut r, &n, &style, &quiet, &mut NameCounts::default());
        assert_eq!(w.full, "Muhammad Alhasan");
        assert_eq!(serbian("Youssef Jamal Khaled"), "Jusef Džamal Haled");
        assert_eq!(serbian_cyrillic("Miloš Petrović"), "Милош Петровић");
    }

    #[test]
    fn female_slavic_family_names() {
        assert_eq!(female_slavic("Petrov"), "Petrova");
        assert_eq!(female_slavic("Petroff"), "Petrova");
        assert_eq!(female_slavic("Kovalenko"), "Kovalenko");
    }
}
