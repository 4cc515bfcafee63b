//! The tokenizer Hearth rebuilds from a GGUF's own vocabulary and merges (the tokenizers crate)
//! counts tokens as llama.cpp does with the same model, so that chunk sizes and prompt budgets
//! match what the model sees.

mod common;

use common::demo_model;
use hearth_documents::TokenCounter;
use hearth_engine::embeddings::Embedder;

#[test]
fn the_gguf_vocabulary_counts_as_llama_cpp_does() {
    let model = demo_model();
    let ours = TokenCounter::for_model(&model).unwrap();
    assert!(matches!(ours, TokenCounter::Vocabulary { .. }), "{ours:?}");
    let llama = Embedder::load(&model, Some(1)).unwrap();
    let texts = [
        "The Shared MIME-info Database specification, version 0.21.",
        "  Leading spaces, tabs\tand\nnew lines; numbers 12345 and 3.14159.",
        "Unicode: naïve café, 東京, emoji 🙂, and <xml attr=\"1\"/> text.",
        "asn1_decode_simple_der(unsigned int etype, const unsigned char * der)",
    ];
    for t in texts {
        assert_eq!(ours.count(t) as usize, llama.token_count(t), "{t:?}");
    }
    // The estimate is only an estimate, but not far off for English prose.
    let prose = texts[0];
    let (estimate, exact) = (TokenCounter::Estimate.count(prose) as f64, llama.token_count(prose) as f64);
    assert!((estimate / exact - 1.0).abs() < 0.6, "{estimate} vs {exact}");
}
