//! Typed validation errors: every error names the field and the rule it breaks.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The rules a record can break. The snake_case name is stable: it appears in rejects
/// files and in `docs/import.md`, and agencies may filter on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The line or row is not well-formed (JSON syntax, CSV quoting, encoding).
    Syntax,
    /// A required field is missing or empty.
    Required,
    /// A field that the format does not know.
    UnknownField,
    /// An id slug (centre, agency) is malformed.
    Slug,
    /// An object id is malformed or of the wrong kind.
    ObjectId,
    /// A value is not one of the vocabulary's terms.
    Vocabulary,
    /// A date or time cannot be read, or is impossible.
    Date,
    /// A number cannot be read or is out of range.
    Number,
    /// Coordinates out of range or a malformed geometry.
    Geometry,
    /// The entity schema does not have this property.
    UnknownProperty,
    /// A property value does not fit the property's type.
    PropertyType,
    /// A reference to an entity key that the report does not define.
    DanglingReference,
    /// The same entity key is defined twice in one report.
    DuplicateKey,
    /// Times in the wrong order (observed after reported, end before start).
    TimeOrder,
    /// A handling or marking combination that is not allowed (e.g. H3 without conditions).
    Handling,
    /// A grading that does not parse on its declared scale.
    Grading,
    /// A value that is too long or a record with too many parts.
    Limit,
    /// The mapping file itself is wrong (CSV import).
    Mapping,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::Syntax => "syntax",
            Rule::Required => "required",
            Rule::UnknownField => "unknown_field",
            Rule::Slug => "slug",
            Rule::ObjectId => "object_id",
            Rule::Vocabulary => "vocabulary",
            Rule::Date => "date",
            Rule::Number => "number",
            Rule::Geometry => "geometry",
            Rule::UnknownProperty => "unknown_property",
            Rule::PropertyType => "property_type",
            Rule::DanglingReference => "dangling_reference",
            Rule::DuplicateKey => "duplicate_key",
            Rule::TimeOrder => "time_order",
            Rule::Handling => "handling",
            Rule::Grading => "grading",
            Rule::Limit => "limit",
            Rule::Mapping => "mapping",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One broken rule at one field. `field` is a path like `entities[2].properties.birthDate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message} [rule: {rule}]")]
pub struct ValidationError {
    pub field: String,
    pub rule: Rule,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, rule: Rule, message: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }

    /// Re-roots the error under a parent field path.
    pub fn at(mut self, parent: &str) -> Self {
        if parent.is_empty() {
            return self;
        }
        self.field = if self.field.is_empty() {
            parent.to_owned()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}
