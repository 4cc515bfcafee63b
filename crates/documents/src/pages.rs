//! Reading a file into numbered pages, in this process: PDFs through pdf-extract (page by page,
//! a panic on one page caught and that page read again with lopdf's simpler extractor), text and
//! Markdown as pages split at form feeds. Callers that must survive a reader that aborts or
//! hangs use `isolated` instead, which runs this in a child process.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::DocumentError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Pdf,
    Text,
    Markdown,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "pdf",
            DocumentKind::Text => "text",
            DocumentKind::Markdown => "markdown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractedPage {
    /// 1-based.
    pub number: u32,
    pub text: String,
    /// False when neither extractor could read the page (its text is then empty).
    pub readable: bool,
}

/// What a file is, from its first bytes (a PDF may be named anything) and else its extension.
pub fn kind_of(path: &Path, head: &[u8]) -> Result<DocumentKind, DocumentError> {
    // PDF readers accept the header anywhere in the first 1024 bytes.
    if head.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Ok(DocumentKind::Pdf);
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => Err(DocumentError::NotAPdf(file_name(path))),
        "md" | "markdown" => Ok(DocumentKind::Markdown),
        "txt" | "text" | "" => Ok(DocumentKind::Text),
        _ if std::str::from_utf8(head).is_ok() => Ok(DocumentKind::Text),
        _ => Err(DocumentError::Unsupported(file_name(path))),
    }
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// An opened document whose pages can be read one at a time.
pub enum PageSource {
    Pdf(Box<pdf_extract::Document>),
    Text(Vec<String>),
}

impl PageSource {
    pub fn open(path: &Path) -> Result<(DocumentKind, PageSource), DocumentError> {
        crate::limits::check_size(path)?;
        let bytes = std::fs::read(path).map_err(|e| DocumentError::Io { path: path.display().to_string(), message: e.to_string() })?;
        let kind = kind_of(path, &bytes[..bytes.len().min(1024)])?;
        let source = match kind {
            DocumentKind::Pdf => PageSource::Pdf(Box::new(open_pdf(path, &bytes)?)),
            DocumentKind::Text | DocumentKind::Markdown => {
                let text = String::from_utf8(bytes).map_err(|_| DocumentError::Unsupported(file_name(path)))?;
                PageSource::Text(text.split('\u{c}').map(str::to_string).collect())
            }
        };
        Ok((kind, source))
    }

    pub fn page_count(&self) -> u32 {
        match self {
            PageSource::Pdf(doc) => doc.get_pages().len() as u32,
            PageSource::Text(pages) => pages.len() as u32,
        }
    }

    /// Page `number` (1-based). A page that panics pdf-extract is read with lopdf; a page that
    /// defeats both comes back empty and `readable: false`.
    pub fn page(&self, number: u32) -> ExtractedPage {
        match self {
            PageSource::Text(pages) => ExtractedPage { number, text: pages.get(number as usize - 1).cloned().unwrap_or_default(), readable: true },
            PageSource::Pdf(doc) => {
                let primary = catch_unwind(AssertUnwindSafe(|| {
                    let mut text = String::new();
                    let mut out = pdf_extract::PlainTextOutput::new(&mut text);
                    pdf_extract::output_doc_page(doc, &mut out, number).map(|_| text)
                }));
                match primary {
                    Ok(Ok(text)) => ExtractedPage { number, text: tidy(&text), readable: true },
                    _ => match catch_unwind(AssertUnwindSafe(|| doc.extract_text(&[number]))) {
                        Ok(Ok(text)) => ExtractedPage { number, text: tidy(&text), readable: true },
                        _ => ExtractedPage { number, text: String::new(), readable: false },
                    },
                }
            }
        }
    }
}

fn open_pdf(path: &Path, bytes: &[u8]) -> Result<pdf_extract::Document, DocumentError> {
    let name = file_name(path);
    let loaded = catch_unwind(AssertUnwindSafe(|| pdf_extract::Document::load_mem(bytes)));
    let mut doc = match loaded {
        Ok(Ok(doc)) => doc,
        Ok(Err(e)) if is_password_error(&e) => return Err(DocumentError::Encrypted(name)),
        Ok(Err(e)) => return Err(DocumentError::Damaged { name, detail: e.to_string() }),
        Err(_) => return Err(DocumentError::Damaged { name, detail: "the PDF reader gave up on its structure".into() }),
    };
    if doc.is_encrypted() {
        // Many PDFs are encrypted with an empty user password (to set permissions only).
        let decrypted = catch_unwind(AssertUnwindSafe(|| doc.decrypt(""))).map(|r| r.is_ok()).unwrap_or(false);
        if !decrypted {
            return Err(DocumentError::Encrypted(name));
        }
    }
    if doc.get_pages().is_empty() {
        return Err(DocumentError::Damaged { name, detail: "it has no pages".into() });
    }
    Ok(doc)
}

fn is_password_error(e: &pdf_extract::Error) -> bool {
    matches!(e, pdf_extract::Error::Decryption(_)) || e.to_string().to_lowercase().contains("password")
}

/// Text as pdf-extract writes it, with runs of blank lines and trailing spaces squeezed.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string()
}

/// All pages of a file, in this process, reporting each as it is read. Fails when no page has
/// any text (a scanned PDF).
pub fn read_all(path: &Path, mut on_page: impl FnMut(&ExtractedPage, u32)) -> Result<(DocumentKind, Vec<ExtractedPage>), DocumentError> {
    let (kind, source) = PageSource::open(path)?;
    let total = source.page_count();
    let mut pages = Vec::with_capacity(total as usize);
    for n in 1..=total {
        let page = source.page(n);
        on_page(&page, total);
        pages.push(page);
    }
    require_text(path, kind, pages.iter().any(|p| !p.text.trim().is_empty()), pages.iter().any(|p| p.readable))?;
    Ok((kind, pages))
}

/// A document must have some text: `any_text` / `any_readable` over all its pages.
pub(crate) fn require_text(path: &Path, kind: DocumentKind, any_text: bool, any_readable: bool) -> Result<(), DocumentError> {
    if !any_text {
        return Err(match kind {
            DocumentKind::Pdf if any_readable => DocumentError::NoTextLayer(file_name(path)),
            DocumentKind::Pdf => DocumentError::Damaged { name: file_name(path), detail: "no page could be read".into() },
            _ => DocumentError::Empty(file_name(path)),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_content_before_names() {
        assert_eq!(kind_of(Path::new("a.txt"), b"%PDF-1.7\n").unwrap(), DocumentKind::Pdf);
        assert_eq!(kind_of(Path::new("notes.md"), b"# Title").unwrap(), DocumentKind::Markdown);
        assert!(matches!(kind_of(Path::new("fake.pdf"), b"PK\x03\x04"), Err(DocumentError::NotAPdf(_))));
        assert!(matches!(kind_of(Path::new("x.bin"), &[0xff, 0xfe, 0x00, 0x81]), Err(DocumentError::Unsupported(_))));
    }

    #[test]
    fn text_files_split_into_pages_at_form_feeds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.txt");
        std::fs::write(&path, "first page\u{c}second page\u{c}third").unwrap();
        let mut seen = Vec::new();
        let (kind, pages) = read_all(&path, |p, total| seen.push((p.number, total))).unwrap();
        assert_eq!(kind, DocumentKind::Text);
        assert_eq!(pages.iter().map(|p| p.text.as_str()).collect::<Vec<_>>(), ["first page", "second page", "third"]);
        assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
    }

    #[test]
    fn an_empty_text_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.txt");
        std::fs::write(&path, "  \n").unwrap();
        assert!(matches!(read_all(&path, |_, _| {}), Err(DocumentError::Empty(_))));
    }
}
