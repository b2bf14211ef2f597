//! The examples in docs/import.md are real: each code block parses as documented.

use mosaic_model::{CentreId, Report};

fn blocks(lang: &str) -> Vec<String> {
    let doc = include_str!("../../../docs/import.md");
    let fence = format!("```{lang}\n");
    doc.split(&fence)
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_json_example_is_a_valid_report() {
    let json = blocks("json");
    assert_eq!(json.len(), 1);
    let v: serde_json::Value = serde_json::from_str(&json[0]).expect("the example is JSON");
    let r =
        Report::from_value(&CentreId::parse("fr-ncc").unwrap(), &v).expect("the example is valid");
    assert_eq!(r.statements().len(), 5);
}

#[test]
fn the_toml_example_is_a_valid_mapping() {
    let toml = blocks("toml");
    assert_eq!(toml.len(), 1);
    let m = mosaic_io::Mapping::parse(&toml[0]).expect("the example mapping is valid");
    assert_eq!(m.source.agency, "fr-paf");
    assert_eq!(m.delimiter(), b';');
}
