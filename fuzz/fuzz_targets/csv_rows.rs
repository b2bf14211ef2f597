//! CSV rows through a realistic mapping: dates, numbers, splits, templates, references.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mosaic_io::source::{CsvRows, RecordSource};
use mosaic_model::{CentreId, Report};

const MAPPING: &str = include_str!("../../docs/examples/paf-interceptions.mapping.toml");

fuzz_target!(|data: &[u8]| {
    let mut input = b"numero;date_rapport;date_faits;lieu;lat;lon;immat;pays_immat;nom_chauffeur;ddn;nat;tel;nb_personnes;cotation;observations\n".to_vec();
    input.extend_from_slice(data);
    let mapping = mosaic_io::Mapping::parse(MAPPING).unwrap();
    let Ok(mut rows) = CsvRows::new(&input[..], mapping) else { return };
    let c = CentreId::parse("fz-ncc").unwrap();
    while let Some(Ok(rec)) = rows.next_record() {
        if let Ok((v, _)) = rec.value {
            let _ = Report::from_value(&c, &v);
        }
    }
});
