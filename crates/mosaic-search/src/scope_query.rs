//! A scope's label clauses as one fast-field predicate.
//!
//! The scope is a union of label clauses (agencies, handling codes, classification and
//! TLP up to a level). As a tantivy boolean query, that union is driven through dense
//! postings lists: most documents are AMBER, H0 and RESTRICTED. At each seek of the
//! intersection with the text query, it refills a window of every member list. At 10
//! million statements an analyst's searches were 10–90 times slower than the system's.
//! This predicate reads the four labels of a candidate document from fast fields
//! (columns) and answers in a few lookups. The text query leads the intersection and
//! the predicate is only asked about its candidates.
//!
//! What may be seen is decided by the same [`LabelFilter`]s as the store's own filter:
//! the compiled clause keeps the filter's fields and its test is the filter's test.
//! The test `scope_in_the_query_equals_the_reference_filter` checks the result against
//! the reference filter.

use tantivy::columnar::Column;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, TantivyError, TERMINATED};

use mosaic_store::LabelFilter;

/// Names of the fast fields the predicate reads (see `schema()` in the crate root).
pub(crate) const AGENCY_CODE: &str = "agency_code";
pub(crate) const HANDLING: &str = "handling";
pub(crate) const CLASSIFICATION: &str = "classification";
pub(crate) const TLP: &str = "tlp";

/// An agency id as a number for the index's `agency_code` column: FNV-1a, 64 bits.
/// It is a fixed function because indexes are kept on disk between versions. A
/// collision could only let a clause naming one agency match another's documents;
/// agency ids are a few dozen short names, and the test below checks that the
/// generator's agencies do not collide.
pub(crate) fn agency_code(agency: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in agency.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// One label clause, compiled.
#[derive(Clone, Debug)]
struct Clause {
    /// Sorted agency codes; `None`: any agency.
    agencies: Option<Vec<u64>>,
    /// Bit `r` set: handling code of rank `r` admitted.
    handling: u64,
    max_classification: u64,
    max_tlp: u64,
}

impl Clause {
    fn of(f: &LabelFilter) -> Option<Clause> {
        let agencies = match &f.agencies {
            Some(a) if a.is_empty() => return None,
            Some(a) => {
                let mut v: Vec<u64> = a.iter().map(|x| agency_code(x.as_str())).collect();
                v.sort_unstable();
                Some(v)
            }
            None => None,
        };
        let handling = f
            .handling
            .iter()
            .fold(0u64, |m, h| m | (1u64 << (h.rank() as u64).min(63)));
        if handling == 0 {
            return None;
        }
        Some(Clause {
            agencies,
            handling,
            max_classification: f.max_classification.rank() as u64,
            max_tlp: f.max_tlp.rank() as u64,
        })
    }

    fn admits(&self, agency: u64, handling: u64, classification: u64, tlp: u64) -> bool {
        classification <= self.max_classification
            && tlp <= self.max_tlp
            && handling < 64
            && self.handling & (1u64 << handling) != 0
            && self
                .agencies
                .as_ref()
                .is_none_or(|a| a.binary_search(&agency).is_ok())
    }
}

/// Documents whose labels one of the clauses admits. A constant score, as a filter.
#[derive(Clone, Debug)]
pub(crate) struct ScopeQuery {
    clauses: Vec<Clause>,
}

impl ScopeQuery {
    /// `None` when no clause admits anything.
    pub(crate) fn new<'a>(filters: impl IntoIterator<Item = &'a LabelFilter>) -> Option<Self> {
        let clauses: Vec<Clause> = filters.into_iter().filter_map(Clause::of).collect();
        (!clauses.is_empty()).then_some(ScopeQuery { clauses })
    }
}

impl Query for ScopeQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

struct Columns {
    agency: Column<u64>,
    handling: Column<u64>,
    classification: Column<u64>,
    tlp: Column<u64>,
}

impl Columns {
    fn of(reader: &SegmentReader) -> tantivy::Result<Columns> {
        let ff = reader.fast_fields();
        Ok(Columns {
            agency: ff.u64(AGENCY_CODE)?,
            handling: ff.u64(HANDLING)?,
            classification: ff.u64(CLASSIFICATION)?,
            tlp: ff.u64(TLP)?,
        })
    }
}

fn admitted(clauses: &[Clause], cols: &Columns, doc: DocId) -> bool {
    // Every indexed document has all four labels; one without them is admitted by none.
    let (Some(a), Some(h), Some(c), Some(t)) = (
        cols.agency.first(doc),
        cols.handling.first(doc),
        cols.classification.first(doc),
        cols.tlp.first(doc),
    ) else {
        return false;
    };
    clauses.iter().any(|cl| cl.admits(a, h, c, t))
}

impl Weight for ScopeQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut s = ScopeScorer {
            clauses: self.clauses.clone(),
            cols: Columns::of(reader)?,
            doc: 0,
            max_doc: reader.max_doc(),
            score: boost,
        };
        if s.max_doc == 0 {
            s.doc = TERMINATED;
        } else if !admitted(&s.clauses, &s.cols, 0) {
            s.advance();
        }
        Ok(Box::new(s))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if doc < reader.max_doc() && admitted(&self.clauses, &Columns::of(reader)?, doc) {
            Ok(Explanation::new("within the caller's scope", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} is outside the scope"
            )))
        }
    }
}

struct ScopeScorer {
    clauses: Vec<Clause>,
    cols: Columns,
    doc: DocId,
    max_doc: DocId,
    score: Score,
}

impl DocSet for ScopeScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let mut d = self.doc + 1;
        while d < self.max_doc && !admitted(&self.clauses, &self.cols, d) {
            d += 1;
        }
        self.doc = if d < self.max_doc { d } else { TERMINATED };
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        if target >= self.max_doc {
            self.doc = TERMINATED;
            return TERMINATED;
        }
        if admitted(&self.clauses, &self.cols, target) {
            self.doc = target;
            return target;
        }
        self.doc = target;
        self.advance()
    }

    /// A point lookup: the intersection asks about the leading query's candidates.
    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if target >= self.max_doc {
            self.doc = TERMINATED;
            return SeekDangerResult::SeekLowerBound(TERMINATED);
        }
        if admitted(&self.clauses, &self.cols, target) {
            self.doc = target;
            SeekDangerResult::Found
        } else {
            SeekDangerResult::SeekLowerBound(target + 1)
        }
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.max_doc
    }

    /// Driving it means reading four columns per document: never lead with it when
    /// another clause can.
    fn cost(&self) -> u64 {
        u64::from(self.max_doc) * 4
    }
}

impl Scorer for ScopeScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes_of_the_generators_agencies_do_not_collide() {
        let mut codes: Vec<u64> = mosaic_sim::agencies::AGENCIES
            .iter()
            .map(|a| agency_code(a.id))
            .collect();
        let n = codes.len();
        assert!(n > 10);
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n);
        // Fixed forever: indexes on disk depend on it (FNV-1a's published values).
        assert_eq!(agency_code(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(agency_code("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
