//! Every golden case of the old engine reproduces: vector, critical features,
//! display name and the whole prediction with the old model files.

use std::path::PathBuf;

use dawg_ml_engine::features::{record_from_json, vectorise};
use dawg_ml_engine::model::load_dir;
use dawg_ml_engine::predict::predict;
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

#[test]
fn all_golden_cases_reproduce() {
    let text = std::fs::read_to_string(fixtures().join("ts-parity/golden.json"))
        .expect("golden.json beside the repository");
    let golden: Value = serde_json::from_str(&text).unwrap();
    let models = load_dir(&fixtures().join("ts-ml-engine/models"));
    assert!(models.warnings.is_empty(), "{:?}", models.warnings);
    let cases = golden["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1200);
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let (workflow, record) =
            record_from_json(&case["input"], true).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(!record.any_missing());
        let vector = vectorise(workflow, &record, None);
        let expected: Vec<(String, f64)> = serde_json::from_value(case["vector"].clone()).unwrap();
        let names: Vec<&str> = workflow.feature_names().collect();
        assert_eq!(
            names,
            expected.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            "{id}: vector keys"
        );
        for ((name, want), got) in expected.iter().zip(&vector) {
            assert_eq!(
                want.to_bits(),
                got.to_bits(),
                "{id}: {name} {want} vs {got}"
            );
        }
        let critical: Vec<String> =
            serde_json::from_value(case["criticalFeatures"].clone()).unwrap();
        assert_eq!(critical, workflow.schema.critical_features, "{id}");
        assert_eq!(case["displayName"], workflow.schema.display_name, "{id}");

        let model = models.models[workflow.index].as_ref().unwrap();
        let p = predict(model, &vector);
        let want = &case["prediction"];
        assert_eq!(want["workflowType"], p.workflow_type);
        assert!(
            (want["failureProbability"].as_f64().unwrap() - p.failure_probability).abs() <= 1e-12,
            "{id}"
        );
        assert!(
            (want["confidence"].as_f64().unwrap() - p.confidence).abs() <= 1e-12,
            "{id}"
        );
        assert_eq!(want["riskLevel"], p.risk_level.as_str(), "{id}");
        let factors = want["criticalFactors"].as_array().unwrap();
        assert_eq!(factors.len(), p.critical_factors.len(), "{id}");
        for (w, g) in factors.iter().zip(&p.critical_factors) {
            assert_eq!(w["feature"], g.feature, "{id}");
            for (key, got) in [
                ("value", g.value),
                ("weight", g.weight),
                ("contribution", g.contribution),
            ] {
                assert_eq!(
                    w[key].as_f64().unwrap().to_bits(),
                    got.to_bits(),
                    "{id}: {} {key}",
                    g.feature
                );
            }
        }
        let recs: Vec<String> = serde_json::from_value(want["recommendations"].clone()).unwrap();
        assert_eq!(recs, p.recommendations, "{id}");
    }
}
