//! Decoding rules beyond the seed's examples: both spellings of the points key, unknown enum
//! values, unknown keys, nulls and strings where numbers are expected.
// Test helpers may unwrap: a panic there is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;

use loyalty_core::Decimal;
use loyalty_ergo::{
    Actions, BalanceInfo, Changes, DataType, Model, RegistrationType, Registrations, SnOutcome,
    SnResponse,
};
use serde_json::json;

#[test]
fn model_points_accepts_both_spellings() {
    let m: Model = serde_json::from_value(json!({"model_id": 1, "model_points": "12.5"})).unwrap();
    assert_eq!(m.model_points, Decimal::from_str("12.5").unwrap());
    let m: Model = serde_json::from_value(json!({"model_id": 1, "model_pionts": 7})).unwrap();
    assert_eq!(m.model_points, Decimal::from(7));
    // Both present: the correct spelling wins, and it is not a duplicate-field error.
    let m: Model =
        serde_json::from_value(json!({"model_id": "2", "model_pionts": 7, "model_points": 8}))
            .unwrap();
    assert_eq!(m.model_points, Decimal::from(8));
    assert_eq!(m.model_id, 2);
    // Flags as numbers, strings or booleans.
    let m: Model = serde_json::from_value(
        json!({"model_id": 3, "model_imei": 1, "model_photo": true, "model_tt": "1"}),
    )
    .unwrap();
    assert!(m.model_imei && m.model_photo && m.model_tt);
}

#[test]
fn unknown_enum_values_and_keys_are_kept_or_ignored() {
    let c: Changes = serde_json::from_value(json!({
        "methodresponse": "GetChanges", "code": "1", "extra": {"x": 1},
        "Modified_data": [{"data_type": "Bonuses", "data_api": "GetBonuses"}]
    }))
    .unwrap();
    assert_eq!(c.modified[0].data_type, DataType::Unknown("Bonuses".into()));
    assert_eq!(c.modified[0].data_type.as_str(), "Bonuses");
    let r: Registrations = serde_json::from_value(json!({
        "type_registration": "registration_archived", "registrations": null
    }))
    .unwrap();
    assert_eq!(
        r.type_registration,
        Some(RegistrationType::Unknown("registration_archived".into()))
    );
    assert!(r.registrations.is_empty());
    let a: Actions = serde_json::from_value(json!({
        "actions": [{"action_id": "5", "action_type_id": 7, "models": []}]
    }))
    .unwrap();
    assert_eq!(
        a.actions[0].action_type_id,
        Some(loyalty_ergo::ActionType::Unknown("7".into()))
    );
}

#[test]
fn lowercase_modified_data_and_fractional_sums() {
    let c: Changes = serde_json::from_value(json!({
        "code": 1, "modified_data": [{"data_type": "Actions"}]
    }))
    .unwrap();
    assert!(c.contains(&DataType::Actions));
    let b: BalanceInfo = serde_json::from_value(json!({
        "bonus": "1250.50", "points": null, "registration_all": 218.4, "to_payoff": null
    }))
    .unwrap();
    assert_eq!(b.bonus, Decimal::from_str("1250.50").unwrap());
    assert_eq!(b.points, Decimal::ZERO);
    assert_eq!(b.registration_all.to_string(), "218.4");
    assert!(b.to_payoff.is_empty());
}

#[test]
fn unknown_post_sn_result_is_kept() {
    let r: SnResponse = serde_json::from_value(json!({"result": "3", "serial": "X"})).unwrap();
    match SnOutcome::from(r) {
        SnOutcome::Unknown(raw) => {
            assert_eq!(raw.result, 3);
            assert_eq!(raw.serial.as_deref(), Some("X"));
        }
        other => panic!("{other:?}"),
    }
}
