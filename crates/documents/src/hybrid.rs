//! Hybrid retrieval: the BM25 ranking and the embedding ranking fused by reciprocal rank
//! (Cormack, Clarke & Büttcher, SIGIR 2009: score = Σ 1 / (60 + rank)), which needs no tuning
//! between the two scores' scales.

use std::collections::HashMap;

use hearth_store::Passage;

const K: f64 = 60.0;

/// The passages of both rankings (each best first), by fused score, best first; `score` becomes
/// the fused score.
pub fn fuse(rankings: &[&[Passage]], limit: usize) -> Vec<Passage> {
    let mut fused: HashMap<i64, (f64, Passage)> = HashMap::new();
    for ranking in rankings {
        for (rank, p) in ranking.iter().enumerate() {
            let entry = fused.entry(p.chunk_id).or_insert_with(|| (0.0, p.clone()));
            entry.0 += 1.0 / (K + rank as f64 + 1.0);
        }
    }
    let mut out: Vec<Passage> = fused.into_values().map(|(score, p)| Passage { score, ..p }).collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.chunk_id.cmp(&b.chunk_id)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: i64) -> Passage {
        Passage { chunk_id: id, document_id: 1, document: "d".into(), page: id as u32, text: String::new(), tokens: 1, score: 0.0 }
    }

    #[test]
    fn a_passage_both_rankings_like_comes_first() {
        let bm25 = [p(1), p(2), p(3)];
        let dense = [p(3), p(4), p(1)];
        let fused = fuse(&[&bm25, &dense], 10);
        let order: Vec<i64> = fused.iter().map(|x| x.chunk_id).collect();
        // 1: 1/61 + 1/63; 3: 1/63 + 1/61 (tie, lower id first); then 2 and 4 (1/62 each).
        assert_eq!(order, [1, 3, 2, 4]);
        assert!(fused[0].score > fused[2].score);
        assert_eq!(fuse(&[&bm25, &dense], 2).len(), 2);
    }
}
