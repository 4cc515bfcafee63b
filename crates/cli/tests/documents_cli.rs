//! `hearth ask` and `hearth extract` on real PDFs no one here wrote (Debian's documentation,
//! installed by scripts/setup.sh), on generated PDFs with known text on known pages, and on bad
//! input. Page truth comes from poppler's pdftotext/pdfinfo, not from our reader.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{demo_model, hearth};
use hearth_documents::fixture::{shapes_only_pdf, text_pdf};
use serde_json::Value;

const MIME_SPEC: &str = "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf";
const TASN1: &str = "/usr/share/doc/libtasn1-doc/libtasn1.pdf";
/// The Debian New Maintainers' Guide in Russian (Debian package maint-guide-ru), 63 pages.
const MAINT_GUIDE_RU: &str = "/usr/share/doc/maint-guide-ru/maint-guide.ru.pdf";

fn real_pdf(path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    assert!(p.is_file(), "{path} is missing: scripts/setup.sh installs it (Debian packages shared-mime-info, libtasn1-doc, maint-guide-ru)");
    p
}

fn hearth_in(home: &Path, args: &[&str]) -> Output {
    Command::new(hearth()).args(args).env("HEARTH_HOME", home).output().expect("hearth runs")
}

fn retrieve(home: &Path, docs: &[&Path], question: &str) -> Vec<Value> {
    let mut args: Vec<&str> = vec!["ask"];
    args.extend(docs.iter().map(|d| d.to_str().unwrap()));
    args.extend([question, "--retrieve-only", "--json"]);
    let out = hearth_in(home, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().clone()
}

/// The pages (1-based) whose text, as poppler extracts it, contains `phrase`.
fn poppler_pages_with(pdf: &Path, phrase: &str) -> Vec<u32> {
    let pages = poppler_page_count(pdf);
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    (1..=pages)
        .filter(|n| {
            let out = Command::new("pdftotext")
                .args(["-f", &n.to_string(), "-l", &n.to_string(), pdf.to_str().unwrap(), "-"])
                .output()
                .expect("pdftotext (poppler-utils) is installed by scripts/setup.sh");
            squash(&String::from_utf8_lossy(&out.stdout)).contains(&squash(phrase))
        })
        .collect()
}

fn poppler_page_count(pdf: &Path) -> u32 {
    let out = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo (poppler-utils) is installed");
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap())).unwrap()
}

#[test]
fn extraction_keeps_every_page_of_real_pdfs() {
    for pdf in [real_pdf(MIME_SPEC), real_pdf(TASN1)] {
        let out = Command::new(hearth()).args(["extract", pdf.to_str().unwrap()]).output().unwrap();
        assert!(out.status.success());
        let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let pages: Vec<&Value> = lines.iter().filter(|l| l["type"] == "page").collect();
        assert_eq!(pages.len() as u32, poppler_page_count(&pdf), "{}", pdf.display());
        assert_eq!(lines[0]["pages"].as_u64().unwrap() as u32, poppler_page_count(&pdf));
        for (i, p) in pages.iter().enumerate() {
            assert_eq!(p["number"].as_u64().unwrap() as usize, i + 1);
        }
    }
    // A phrase poppler finds on one page is on that page for us too.
    let pdf = real_pdf(MIME_SPEC);
    let phrase = "user.mime_type extended attribute";
    let expected = poppler_pages_with(&pdf, phrase);
    assert_eq!(expected.len(), 1, "the phrase is on one page");
    let out = Command::new(hearth()).args(["extract", MIME_SPEC, "--first-page", &expected[0].to_string()]).output().unwrap();
    let first_page: Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().nth(1).unwrap()).unwrap();
    assert_eq!(first_page["number"].as_u64().unwrap() as u32, expected[0]);
    let text = first_page["text"].as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(phrase), "{text}");
}

/// Retrieval quality: for questions of our own over the two Debian PDFs, the page that holds the
/// answer (where poppler finds the answer's phrase) is among the top 5 passages.
#[test]
fn the_page_with_the_answer_is_in_the_top_five() {
    let home = tempfile::tempdir().unwrap();
    let (mime, tasn1) = (real_pdf(MIME_SPEC), real_pdf(TASN1));
    let questions: &[(&Path, &str, &str)] = &[
        (&mime, "Which magic string does the magic file start with?", "The file starts with the magic string"),
        (&mime, "Which extended attribute can hold a file's MIME type?", "user.mime_type extended attribute"),
        (&mime, "How are mounted directories detected?", "Mounted directories can be detected"),
        (&mime, "Should users edit the MIME database to store their preferences?", "is NOT intended to store user preferences"),
        (&mime, "Which version of the specification is this?", "This is version 0.21 of the Shared MIME-info Database"),
        (&mime, "What alias does audio/midi have?", "audio/midi has an alias of audio/x-midi"),
        (&mime, "Which command must an application run after installing its XML file?", "MUST run the update-mime-database command"),
        (&tasn1, "How do comments begin and end in the ASN.1 syntax?", "The comments begin with"),
        (&tasn1, "What does asn1Parser read and what does it generate?", "asn1Parser reads a single file with ASN.1 definitions"),
        (&tasn1, "Under which license may the manual be copied?", "GNU Free Documentation License, Version 1.3"),
    ];
    let mut found = 0;
    for (pdf, question, phrase) in questions {
        let truth = poppler_pages_with(pdf, phrase);
        assert!(!truth.is_empty(), "poppler finds {phrase:?} in {}", pdf.display());
        let hits = retrieve(home.path(), &[&mime, &tasn1], question);
        let pages: Vec<(String, u32)> =
            hits.iter().map(|h| (h["document"].as_str().unwrap().to_string(), h["page"].as_u64().unwrap() as u32)).collect();
        let name = pdf.file_name().unwrap().to_string_lossy();
        let ok = pages.iter().take(5).any(|(d, p)| *d == name && truth.contains(p));
        eprintln!("{} {question:?}: truth {name} {truth:?}, got {pages:?}", if ok { "ok  " } else { "MISS" });
        found += ok as usize;
    }
    assert!(found * 10 >= questions.len() * 9, "recall@5 is {found}/{}", questions.len());
}

/// Issue 20: retrieval in Russian. Questions of our own, worded with other inflections than the
/// text («о дружественном сотрудничестве» for «дружественное сотрудничество»), over the Russian
/// New Maintainers' Guide: the page with the answer is in the top 5 for at least 9 in 10.
/// Measured: 12/12 with the Russian stemmer, 8/12 without it (words as written, Porter alone).
#[test]
fn russian_questions_find_their_pages_in_a_russian_pdf() {
    let home = tempfile::tempdir().unwrap();
    let guide = real_pdf(MAINT_GUIDE_RU);
    let questions: &[(&str, &str)] = &[
        ("Что сказано о дружественном сотрудничестве как движущей силе?", "дружественное сотрудничество"),
        ("Что поможет в управлении большим набором заплат с отслеживанием изменений?", "пакет помогает управлять большими наборами заплат"),
        ("Какой менеджер файлов на GTK+ взят как пример программы?", "В качестве примера взята программа gentoo"),
        ("Где указывать адрес электронной почты и имя для инструментов сопровождения?", "настройте переменные окружения $DEBEMAIL"),
        ("Какой простой способ записывать изменения исходного кода при пакетировании?", "Программа quilt предлагает простой способ записи изменений"),
        (
            "Какие программы используют информацию из этого файла: dselect и прочие инструменты?",
            "Этот файл содержит информацию, которая используется программами dpkg",
        ),
        ("Какими целями требуются команды fakeroot?", "Цели, которым требуется команда fakeroot"),
        ("Что выполняется ежемесячно, раз в месяц?", "выполняется один раз в месяц"),
        (
            "Какие каталоги необходимы при обычной установке, но не создаются автоматически?",
            "В этом файле указываются каталоги, которые необходимы для обычной установки",
        ),
        ("Где ищут ссылки при скачивании страницы по указанному адресу?", "скачивается страница и в ней ищутся ссылки"),
        ("Как собирать пакет под данную архитектуру?", "Она делает всё необходимое для сборки пакетов для данной архитектуры"),
        (
            "Проверка удаления, вычистки и обновления пакетов: что должно пройти успешно?",
            "удаление, вычистка и обновление пакета также проходят успешно",
        ),
    ];
    let mut found = 0;
    for (question, phrase) in questions {
        let truth = poppler_pages_with(&guide, phrase);
        assert!(!truth.is_empty(), "poppler finds {phrase:?}");
        let hits = retrieve(home.path(), &[&guide], question);
        let pages: Vec<u32> = hits.iter().map(|h| h["page"].as_u64().unwrap() as u32).collect();
        let ok = pages.iter().take(5).any(|p| truth.contains(p));
        eprintln!("{} {question:?}: truth {truth:?}, got {pages:?}", if ok { "ok  " } else { "MISS" });
        found += ok as usize;
    }
    assert!(found * 10 >= questions.len() * 9, "recall@5 is {found}/{}", questions.len());
}

#[test]
fn generated_pages_are_retrieved_on_their_page() {
    let home = tempfile::tempdir().unwrap();
    let pdf = home.path().join("generated.pdf");
    let colours = ["red", "green", "blue", "amber", "violet", "teal"];
    let pages: Vec<String> = (1..=60)
        .map(|i| {
            format!(
                "Section {i}.\nThe gate code for warehouse {} is {}.\nThe lamp on this floor is {}.",
                1000 + i,
                7000 + i * 13,
                colours[i % colours.len()]
            )
        })
        .collect();
    std::fs::write(&pdf, text_pdf(&pages)).unwrap();
    for i in [1usize, 17, 37, 60] {
        let hits = retrieve(home.path(), &[&pdf], &format!("What is the gate code for warehouse {}?", 1000 + i));
        assert_eq!(hits[0]["page"].as_u64().unwrap() as usize, i, "{hits:?}");
        assert!(hits[0]["text"].as_str().unwrap().contains(&(7000 + i * 13).to_string()));
    }
}

/// Hybrid retrieval: BM25 fused with embedding similarity. No embedding model can be fetched
/// here, so the demo model serves as one (mean-pooled), a weak embedder: the fusion must still
/// keep the page with the answer in the top 5, and each chunk is embedded once.
#[test]
fn hybrid_retrieval_with_an_embedding_model() {
    let home = tempfile::tempdir().unwrap();
    let mime = real_pdf(MIME_SPEC);
    let model = demo_model();
    let questions = [
        ("Which magic string does the magic file start with?", "The file starts with the magic string"),
        ("Which extended attribute can hold a file's MIME type?", "user.mime_type extended attribute"),
        ("How are mounted directories detected?", "Mounted directories can be detected"),
        ("What alias does audio/midi have?", "audio/midi has an alias of audio/x-midi"),
        ("Which command must an application run after installing its XML file?", "MUST run the update-mime-database command"),
    ];
    let mut found = 0;
    for (i, (question, phrase)) in questions.iter().enumerate() {
        let out = hearth_in(
            home.path(),
            &["ask", mime.to_str().unwrap(), question, "--retrieve-only", "--json", "--embedding-model", model.to_str().unwrap(), "--threads", "2"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert_eq!(stderr.contains("[embedding "), i == 0, "chunks are embedded on the first question only: {stderr}");
        let hits: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        let truth = poppler_pages_with(&mime, phrase);
        let pages: Vec<u32> = hits.iter().map(|h| h["page"].as_u64().unwrap() as u32).collect();
        let ok = pages.iter().take(5).any(|p| truth.contains(p));
        eprintln!("{} {question:?}: truth {truth:?}, hybrid {pages:?}", if ok { "ok  " } else { "MISS" });
        found += ok as usize;
    }
    assert!(found >= questions.len() - 1, "hybrid recall@5 is {found}/{}", questions.len());
}

fn ask_error(home: &Path, file: &Path) -> String {
    let out = hearth_in(home, &["ask", file.to_str().unwrap(), "what is this?", "--retrieve-only", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{} was accepted", file.display());
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn bad_documents_get_clear_errors() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let good = dir.join("good.pdf");
    std::fs::write(&good, text_pdf(&["A page with words on it.".to_string()])).unwrap();

    let locked = dir.join("locked.pdf");
    let qpdf = Command::new("qpdf")
        .args(["--encrypt", "secret", "owner", "256", "--", good.to_str().unwrap(), locked.to_str().unwrap()])
        .status()
        .expect("qpdf is installed by scripts/setup.sh");
    assert!(qpdf.success());
    assert!(ask_error(dir, &locked).contains("password-protected"));

    let scan = dir.join("scan.pdf");
    std::fs::write(&scan, shapes_only_pdf(3)).unwrap();
    assert!(ask_error(dir, &scan).contains("no text layer; OCR is not available"));

    let zip = dir.join("report.pdf");
    std::fs::write(&zip, b"PK\x03\x04 this is a zip file, not a PDF").unwrap();
    assert!(ask_error(dir, &zip).contains("is not a PDF"));

    let empty = dir.join("empty.pdf");
    std::fs::write(&empty, b"").unwrap();
    assert!(ask_error(dir, &empty).contains("is not a PDF"));

    let header_only = dir.join("header.pdf");
    std::fs::write(&header_only, b"%PDF-1.7\n%garbage that ends here").unwrap();
    assert!(ask_error(dir, &header_only).contains("damaged"));

    let missing = dir.join("missing.pdf");
    assert!(ask_error(dir, &missing).contains("cannot read"));

    // Regression: a folder said "Is a directory (os error 21)"; a pipe blocked the reader.
    let folder = dir.join("folder");
    std::fs::create_dir(&folder).unwrap();
    assert!(ask_error(dir, &folder).contains("it is a folder: add the documents in it"));
    let pipe = dir.join("pipe.pdf");
    assert!(std::process::Command::new("mkfifo").arg(&pipe).status().unwrap().success());
    assert!(ask_error(dir, &pipe).contains("it is a special file (a pipe or a device), not a document"));
}

/// Truncated at many offsets and with bytes flipped: every file is either read or refused with a
/// message; nothing panics or dies by a signal.
#[test]
fn a_corpus_of_damaged_pdfs_never_crashes() {
    let home = tempfile::tempdir().unwrap();
    let source = std::fs::read(real_pdf(MIME_SPEC)).unwrap();
    let mut damaged: Vec<(String, Vec<u8>)> = Vec::new();
    for percent in [1, 3, 10, 25, 50, 75, 90, 99] {
        damaged.push((format!("truncated at {percent}%"), source[..source.len() * percent / 100].to_vec()));
    }
    let mut seed: u64 = 0x5eed;
    for round in 0..12 {
        let mut bytes = source.clone();
        for _ in 0..(1 + round * 8) {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let at = (seed >> 33) as usize % bytes.len();
            bytes[at] ^= 0xff;
        }
        damaged.push((format!("{} bytes flipped", 1 + round * 8), bytes));
    }
    let (mut read, mut refused) = (0, 0);
    for (i, (what, bytes)) in damaged.iter().enumerate() {
        let path = home.path().join(format!("damaged-{i}.pdf"));
        std::fs::write(&path, bytes).unwrap();
        let out = hearth_in(home.path(), &["ask", path.to_str().unwrap(), "mime type", "--retrieve-only", "--json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code().is_some(), "{what}: killed by a signal");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        if out.status.success() {
            read += 1;
        } else {
            refused += 1;
            assert!(stderr.contains("damaged") || stderr.contains("no text") || stderr.contains("failed on"), "{what}: {stderr}");
        }
    }
    eprintln!("{read} read (perhaps partly), {refused} refused");
    assert!(refused >= 4, "heavily truncated files must be refused");
}

/// 1008 pages (Debian's two PDFs joined 19 times by qpdf): read with progress, and the page that
/// holds the answer found among them.
#[test]
fn a_thousand_page_pdf_is_read_with_progress() {
    let home = tempfile::tempdir().unwrap();
    let big = home.path().join("big.pdf");
    let mut args: Vec<String> = vec!["--empty".into(), "--pages".into()];
    for _ in 0..19 {
        args.extend([TASN1.into(), "1-36".into(), MIME_SPEC.into(), "1-17".into()]);
    }
    args.extend(["--".into(), big.to_str().unwrap().into()]);
    assert!(Command::new("qpdf").args(&args).status().unwrap().success());
    assert_eq!(poppler_page_count(&big), 1007);
    let out =
        hearth_in(home.path(), &["ask", big.to_str().unwrap(), "Which extended attribute can hold a file's MIME type?", "--retrieve-only", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("page 1000 of 1007") && stderr.contains("page 1007 of 1007"), "{stderr}");
    let hits: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    // The phrase is on page 14 of the MIME spec, which starts after 36 pages in every 53.
    let page = hits[0]["page"].as_u64().unwrap();
    assert_eq!(page % 53, 36 + 14, "{hits:?}");
}

#[test]
fn a_document_is_indexed_once_per_content() {
    let home = tempfile::tempdir().unwrap();
    let a = home.path().join("a.pdf");
    std::fs::write(&a, text_pdf(&["Alpha beta gamma.".to_string()])).unwrap();
    let first = hearth_in(home.path(), &["ask", a.to_str().unwrap(), "gamma", "--retrieve-only"]);
    assert!(String::from_utf8_lossy(&first.stderr).contains("page 1 of 1"));
    // The same bytes under another name: found in the database, not read again.
    let b = home.path().join("b.pdf");
    std::fs::copy(&a, &b).unwrap();
    let second = hearth_in(home.path(), &["ask", b.to_str().unwrap(), "gamma", "--retrieve-only"]);
    assert!(second.status.success());
    assert!(!String::from_utf8_lossy(&second.stderr).contains("page 1 of 1"), "read again");
}

/// The demo model answers from a document, and the answer's citation maps to a page that was
/// in its prompt.
#[test]
fn an_answer_with_the_demo_model_cites_a_retrieved_page() {
    let home = tempfile::tempdir().unwrap();
    let pdf = home.path().join("facts.pdf");
    let pages = [
        "Hearth user guide.\nThis guide explains the settings of the app.",
        "Chapter 2: Cooling.\nThe fan of the Hearth box spins at 1200 RPM when idle.\nUnder load it spins at 3100 RPM.",
        "Chapter 3: Power.\nThe power supply is rated at 240 watts.",
    ]
    .map(String::from);
    std::fs::write(&pdf, text_pdf(&pages)).unwrap();
    let model = demo_model();
    let out = hearth_in(
        home.path(),
        &["ask", pdf.to_str().unwrap(), "What is the power supply rated at?", "--model", model.to_str().unwrap(), "--json", "--max-tokens", "64"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let answer = v["answer"].as_str().unwrap();
    assert!(!answer.trim().is_empty());
    let prompt_pages: Vec<u64> = v["passages"].as_array().unwrap().iter().map(|p| p["page"].as_u64().unwrap()).collect();
    let citations = v["citations"].as_array().unwrap();
    assert!(!citations.is_empty(), "no citation in or for {answer:?}");
    for c in citations {
        assert!(prompt_pages.contains(&c["page"].as_u64().unwrap()), "{c} is not a page of the prompt {prompt_pages:?}");
        assert!(c["text"].as_str().unwrap().len() > 10);
    }
    // SmolLM2-135M answers this one right; its source is page 3, whether it cites it or Hearth infers it.
    assert!(answer.contains("240"), "{answer}");
    assert_eq!(citations[0]["page"], 3);
    eprintln!("answer: {answer}\ncitations: {citations:?}");
}
