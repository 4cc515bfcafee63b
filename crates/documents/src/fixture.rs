//! PDFs with known text on known pages, written with lopdf, for tests and benchmarks: text pages
//! (Helvetica, one line per `\n`), and pages that only draw shapes (what a scan without a text
//! layer looks like to a text extractor).

use pdf_extract::content::{Content, Operation};
use pdf_extract::{Dictionary, Document, Object, Stream};

fn name(s: &str) -> Object {
    Object::Name(s.as_bytes().to_vec())
}

fn dict(entries: &[(&str, Object)]) -> Dictionary {
    let mut d = Dictionary::new();
    for (k, v) in entries {
        d.set(*k, v.clone());
    }
    d
}

fn build(pages: Vec<Vec<Operation>>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dict(&[("Type", name("Font")), ("Subtype", name("Type1")), ("BaseFont", name("Helvetica"))]));
    let resources_id = doc.add_object(dict(&[("Font", Object::Dictionary(dict(&[("F1", Object::Reference(font_id))])))]));
    let mut kids = Vec::new();
    for operations in pages {
        let content = Content { operations };
        let content_id = doc.add_object(Stream::new(Dictionary::new(), content.encode().expect("content encodes")));
        let page_id =
            doc.add_object(dict(&[("Type", name("Page")), ("Parent", Object::Reference(pages_id)), ("Contents", Object::Reference(content_id))]));
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    let pages_dict = dict(&[
        ("Type", name("Pages")),
        ("Kids", Object::Array(kids)),
        ("Count", Object::Integer(count)),
        ("Resources", Object::Reference(resources_id)),
        ("MediaBox", Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()])),
    ]);
    doc.objects.insert(pages_id, Object::Dictionary(pages_dict));
    let catalog_id = doc.add_object(dict(&[("Type", name("Catalog")), ("Pages", Object::Reference(pages_id))]));
    doc.trailer.set("Root", Object::Reference(catalog_id));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("an in-memory PDF saves");
    out
}

/// A PDF whose page i (1-based) shows `pages[i-1]`, one PDF line per `\n`. ASCII text only.
pub fn text_pdf(pages: &[String]) -> Vec<u8> {
    build(
        pages
            .iter()
            .map(|text| {
                let mut ops = vec![
                    Operation::new("BT", vec![]),
                    Operation::new("Tf", vec![name("F1"), 11.into()]),
                    Operation::new("TL", vec![14.into()]),
                    Operation::new("Td", vec![50.into(), 790.into()]),
                ];
                for line in text.lines() {
                    ops.push(Operation::new("Tj", vec![Object::string_literal(line)]));
                    ops.push(Operation::new("T*", vec![]));
                }
                ops.push(Operation::new("ET", vec![]));
                ops
            })
            .collect(),
    )
}

/// `n` pages that draw filled rectangles and no text: a scan, to a text extractor.
pub fn shapes_only_pdf(n: usize) -> Vec<u8> {
    build(
        (0..n)
            .map(|i| {
                vec![
                    Operation::new("rg", vec![0.2.into(), 0.2.into(), 0.2.into()]),
                    Operation::new("re", vec![(50 + i as i64).into(), 100.into(), 400.into(), 600.into()]),
                    Operation::new("f", vec![]),
                ]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::read_all;

    #[test]
    fn generated_pages_read_back_on_their_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gen.pdf");
        let pages: Vec<String> = (1..=4).map(|i| format!("This is page {i}.\nIts word is marker{i}.")).collect();
        std::fs::write(&path, text_pdf(&pages)).unwrap();
        let (_, read) = read_all(&path, |_, _| {}).unwrap();
        assert_eq!(read.len(), 4);
        for (i, p) in read.iter().enumerate() {
            assert!(p.text.contains(&format!("marker{}", i + 1)), "page {}: {:?}", i + 1, p.text);
            assert!(!p.text.contains(&format!("marker{}", i + 2)));
        }
    }

    #[test]
    fn a_pdf_of_shapes_has_no_text_layer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.pdf");
        std::fs::write(&path, shapes_only_pdf(2)).unwrap();
        let err = read_all(&path, |_, _| {}).unwrap_err();
        assert!(matches!(err, crate::DocumentError::NoTextLayer(_)), "{err}");
        assert!(err.to_string().contains("OCR is not available"));
    }
}
