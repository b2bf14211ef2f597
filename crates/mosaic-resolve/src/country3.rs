//! ISO 3166-1 alpha-3 codes (machine-readable zones and some agencies' exports use them)
//! and the MRZ's own issuer codes.

const TABLE: &str =
    "ad AND ae ARE af AFG ag ATG ai AIA al ALB am ARM ao AGO aq ATA ar ARG as ASM at AUT \
au AUS aw ABW ax ALA az AZE ba BIH bb BRB bd BGD be BEL bf BFA bg BGR bh BHR bi BDI bj BEN \
bl BLM bm BMU bn BRN bo BOL bq BES br BRA bs BHS bt BTN bv BVT bw BWA by BLR bz BLZ ca CAN \
cc CCK cd COD cf CAF cg COG ch CHE ci CIV ck COK cl CHL cm CMR cn CHN co COL cr CRI cu CUB \
cv CPV cw CUW cx CXR cy CYP cz CZE de DEU dj DJI dk DNK dm DMA do DOM dz DZA ec ECU ee EST \
eg EGY eh ESH er ERI es ESP et ETH fi FIN fj FJI fk FLK fm FSM fo FRO fr FRA ga GAB gb GBR \
gd GRD ge GEO gf GUF gg GGY gh GHA gi GIB gl GRL gm GMB gn GIN gp GLP gq GNQ gr GRC gs SGS \
gt GTM gu GUM gw GNB gy GUY hk HKG hm HMD hn HND hr HRV ht HTI hu HUN id IDN ie IRL il ISR \
im IMN in IND io IOT iq IRQ ir IRN is ISL it ITA je JEY jm JAM jo JOR jp JPN ke KEN kg KGZ \
kh KHM ki KIR km COM kn KNA kp PRK kr KOR kw KWT ky CYM kz KAZ la LAO lb LBN lc LCA li LIE \
lk LKA lr LBR ls LSO lt LTU lu LUX lv LVA ly LBY ma MAR mc MCO md MDA me MNE mf MAF mg MDG \
mh MHL mk MKD ml MLI mm MMR mn MNG mo MAC mp MNP mq MTQ mr MRT ms MSR mt MLT mu MUS mv MDV \
mw MWI mx MEX my MYS mz MOZ na NAM nc NCL ne NER nf NFK ng NGA ni NIC nl NLD no NOR np NPL \
nr NRU nu NIU nz NZL om OMN pa PAN pe PER pf PYF pg PNG ph PHL pk PAK pl POL pm SPM pn PCN \
pr PRI ps PSE pt PRT pw PLW py PRY qa QAT re REU ro ROU rs SRB ru RUS rw RWA sa SAU sb SLB \
sc SYC sd SDN se SWE sg SGP sh SHN si SVN sj SJM sk SVK sl SLE sm SMR sn SEN so SOM sr SUR \
ss SSD st STP sv SLV sx SXM sy SYR sz SWZ tc TCA td TCD tf ATF tg TGO th THA tj TJK tk TKL \
tl TLS tm TKM tn TUN to TON tr TUR tt TTO tv TUV tw TWN tz TZA ua UKR ug UGA um UMI us USA \
uy URY uz UZB va VAT vc VCT ve VEN vg VGB vi VIR vn VNM vu VUT wf WLF ws WSM xk XKX ye YEM \
yt MYT za ZAF zm ZMB zw ZWE";

fn pairs() -> impl Iterator<Item = (&'static str, &'static str)> {
    let mut it = TABLE.split_ascii_whitespace();
    std::iter::from_fn(move || Some((it.next()?, it.next()?)))
}

/// Alpha-2 (lowercase) for an alpha-3 or MRZ issuer code (`D` is Germany in MRZs, `GBD`…
/// British nationals, `RKS` Kosovo). `None` for unknown codes and for the stateless and
/// UN codes (`XXA`, `XXB`, `XXC`, `XXX`, `UNO`, `UNA`, `UNK`), which name no country.
pub fn alpha2_of(code: &str) -> Option<&'static str> {
    let c = code.trim_end_matches('<').to_ascii_uppercase();
    match c.as_str() {
        "D" => return Some("de"),
        "GBD" | "GBN" | "GBO" | "GBS" | "GBP" => return Some("gb"),
        "RKS" => return Some("xk"),
        _ => {}
    }
    pairs().find(|(_, a3)| *a3 == c).map(|(a2, _)| a2)
}

/// Alpha-3 for an alpha-2 code (case-insensitive).
pub fn alpha3_of(code: &str) -> Option<&'static str> {
    let c = code.to_ascii_lowercase();
    pairs().find(|(a2, _)| *a2 == c).map(|(_, a3)| a3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_well_formed_and_complete() {
        let v: Vec<_> = pairs().collect();
        assert_eq!(v.len(), 250);
        for (a2, a3) in &v {
            assert!(mosaic_model::country::is_country(a2), "{a2}");
            assert_eq!(a3.len(), 3);
            assert_eq!(alpha2_of(a3), Some(*a2));
        }
        let mut a3s: Vec<_> = v.iter().map(|p| p.1).collect();
        a3s.sort_unstable();
        a3s.dedup();
        assert_eq!(a3s.len(), 250, "alpha-3 codes are unique");
        assert_eq!(alpha2_of("D<<"), Some("de"));
        assert_eq!(alpha2_of("XXA"), None);
        assert_eq!(alpha3_of("SY"), Some("SYR"));
    }
}
