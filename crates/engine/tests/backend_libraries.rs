//! Backend libraries that cannot load never stop the engine, and the CPU variant choice skips a
//! variant that died of an illegal instruction (issue 16). The libraries here are tiny C files
//! compiled with the system's C compiler, shaped like ggml's: `ggml_backend_score` and
//! `ggml_backend_init` exported, or not.

use std::path::Path;
use std::process::Command;

use hearth_engine::backend_libraries::load_from;

fn compile(dir: &Path, file: &str, source: &str) {
    let c = dir.join(format!("{file}.c"));
    std::fs::write(&c, source).unwrap();
    let out = Command::new("cc").args(["-shared", "-fPIC", "-o"]).arg(dir.join(file)).arg(&c).output().expect("a C compiler (cc)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_file(c).unwrap();
}

/// `ggml_backend_init` returns NULL: ggml refuses to register it, as it would a backend whose
/// device is absent.
fn variant(score: i32) -> String {
    format!("int ggml_backend_score(void) {{ return {score}; }}\nvoid *ggml_backend_init(void) {{ return 0; }}\n")
}

#[test]
fn broken_backend_libraries_are_reported_and_the_best_cpu_variant_is_tried_unless_it_crashed_before() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "libggml-cpu-alpha.so", &variant(30));
    compile(dir.path(), "libggml-cpu-beta.so", &variant(20));
    compile(dir.path(), "libggml-cpu-gamma.so", &variant(0));
    // A GPU backend built against a library this machine lacks, and one that is no backend at all.
    compile(
        dir.path(),
        "libggml-vulkan.so",
        "extern int vkCreateInstance_missing(void);\nvoid *ggml_backend_init(void) { return (void*)(long)vkCreateInstance_missing(); }\n",
    );
    compile(dir.path(), "libggml-cuda.so", "int unrelated(void) { return 1; }\n");
    std::fs::write(dir.path().join("libggml-hip.so"), b"not an ELF file").unwrap();
    std::fs::write(dir.path().join("libggml-base.so"), b"core library: not a backend").unwrap();

    let report = load_from(&[dir.path().join("absent"), dir.path().to_path_buf()], &[]);
    let get = |backend: &str, variant: Option<&str>| {
        report
            .iter()
            .find(|l| l.backend == backend && l.variant.as_deref() == variant)
            .unwrap_or_else(|| panic!("{backend} {variant:?} not reported: {report:#?}"))
    };
    assert_eq!(report.len(), 6, "{report:#?}");
    assert!(report.iter().all(|l| !l.loaded));
    let why = |backend, variant| get(backend, variant).reason.clone().unwrap();
    // Highest score first: alpha is the one tried, and ggml refused it (init gave NULL).
    assert!(why("cpu", Some("alpha")).contains("returned NULL"), "{report:#?}");
    assert_eq!(why("cpu", Some("beta")), "a better variant for this CPU was loaded (alpha)");
    assert_eq!(why("cpu", Some("gamma")), "this CPU lacks instructions it needs");
    assert!(why("vulkan", None).contains("undefined symbol") || why("vulkan", None).contains("vkCreateInstance_missing"), "{report:#?}");
    assert!(why("cuda", None).contains("no ggml_backend_init"), "{report:#?}");
    assert!(!why("hip", None).is_empty());

    // After alpha killed an engine with SIGILL, the next engine tries beta.
    let report = load_from(&[dir.path().to_path_buf()], &["alpha".to_string()]);
    let alpha = report.iter().find(|l| l.variant.as_deref() == Some("alpha")).unwrap();
    assert!(alpha.reason.as_deref().unwrap().contains("illegal instruction"), "{report:#?}");
    let beta = report.iter().find(|l| l.variant.as_deref() == Some("beta")).unwrap();
    assert!(beta.reason.as_deref().unwrap().contains("returned NULL"), "{report:#?}");
}
