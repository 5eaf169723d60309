//! The API diff: each kind of spec change is classified as the generated crate sees it.

use sdkgen::config::Config;
use sdkgen::diff::{diff, Bump, Class, Kind, Report};
use sdkgen::lower::LowerOptions;

const BASE: &str = r##"
openapi: 3.0.3
info: {title: Shop, version: "1"}
servers: [{url: "https://api.example.com", description: Production}]
paths:
  /orders:
    post:
      operationId: createOrder
      parameters:
        - {name: dry_run, in: query, schema: {type: boolean}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}
      responses:
        "201": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}
        "400": {description: bad, content: {application/json: {schema: {$ref: "#/components/schemas/Problem"}}}}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}
components:
  schemas:
    Order:
      type: object
      required: [sku]
      properties:
        sku: {type: string}
        note: {type: string}
        placed_at: {type: string}
        status: {$ref: "#/components/schemas/Status"}
    Status: {type: string, enum: [open, closed]}
    Problem: {type: object, properties: {message: {type: string}}}
"##;

fn report(old: &str, new: &str) -> Report {
    let lower = |name: &str, text: &str| {
        sdkgen::lower_str(name, text, &Config::default(), LowerOptions::default()).unwrap_or_else(|e| panic!("{e}")).0
    };
    diff(&lower("old.yaml", old), &lower("new.yaml", new), Some("1.4.2"))
}

/// Applies `edits` (from, to) to the base spec and returns the report against the base.
fn changed(edits: &[(&str, &str)]) -> Report {
    let mut new = BASE.to_owned();
    for (from, to) in edits {
        assert!(new.contains(from), "the base spec contains `{from}`");
        new = new.replacen(from, to, 1);
    }
    report(BASE, &new)
}

fn kinds(r: &Report) -> Vec<(Class, Kind, String)> {
    r.changes.iter().map(|c| (c.class, c.kind, c.item.clone())).collect()
}

#[test]
fn no_change_is_an_empty_report() {
    let r = report(BASE, BASE);
    assert!(r.is_empty());
    assert_eq!(r.bump, Bump::None);
    assert_eq!(r.next_version.as_deref(), Some("1.4.2"));
    assert_eq!(r.summary(), "No change to the generated API.");
}

#[test]
fn new_optional_field_of_a_non_exhaustive_model_is_compatible() {
    let r = changed(&[("note: {type: string}", "note: {type: string}\n        gift: {type: boolean}")]);
    assert_eq!(kinds(&r), [(Class::Compatible, Kind::FieldAdded, "models::Order::gift".into())]);
    assert_eq!((r.bump, r.next_version.as_deref()), (Bump::Minor, Some("1.5.0")));
}

#[test]
fn new_required_field_is_breaking() {
    let r = changed(&[
        ("required: [sku]", "required: [sku, qty]"),
        ("sku: {type: string}", "sku: {type: string}\n        qty: {type: integer}"),
    ]);
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::FieldAdded, "models::Order::qty".into())]);
    assert_eq!((r.bump, r.next_version.as_deref()), (Bump::Major, Some("2.0.0")));
    assert!(r.changes[0].detail.contains("constructor argument"), "{}", r.changes[0].detail);
}

#[test]
fn string_to_date_time_or_integer_is_a_breaking_retype() {
    // `format: date-time` is a `chrono::DateTime<Utc>` (the default config): a breaking retype.
    let r = changed(&[("placed_at: {type: string}", "placed_at: {type: string, format: date-time}")]);
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::FieldRetyped, "models::Order::placed_at".to_string())]);
    assert!(r.changes[0].detail.contains("to `chrono::DateTime<chrono::Utc>`"), "{}", r.changes[0].detail);
    let r = changed(&[("placed_at: {type: string}", "placed_at: {type: integer}")]);
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::FieldRetyped, "models::Order::placed_at".into())]);
    assert!(r.changes[0].detail.contains("from `String` to `i64`"), "{}", r.changes[0].detail);
}

#[test]
fn required_and_nullable_changes() {
    let r = changed(&[("required: [sku]", "required: [sku, note]")]);
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::FieldRequiredChanged, "models::Order::note".into())]);
    let r = changed(&[("note: {type: string}", "note: {type: string, nullable: true}")]);
    assert_eq!(kinds(&r), [(Class::Compatible, Kind::FieldNullableChanged, "models::Order::note".into())]);
    let r = changed(&[("sku: {type: string}", "sku: {type: string, nullable: true}")]);
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::FieldNullableChanged, "models::Order::sku".into())]);
}

#[test]
fn enum_values() {
    let r = changed(&[("enum: [open, closed]", "enum: [open, closed, held]")]);
    assert_eq!(kinds(&r), [(Class::Compatible, Kind::EnumValueAdded, "models::Status".into())]);
    let r = changed(&[("enum: [open, closed]", "enum: [open]")]);
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::EnumValueRemoved, "models::Status".into())]);
}

#[test]
fn operations_added_removed_renamed() {
    let r = changed(&[("operationId: getOrder", "operationId: fetchOrder")]);
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::OperationRenamed, "default().get_order".into())]);
    let r = changed(&[(
        "  /orders/{id}:\n    get:",
        "  /orders/{id}:\n    delete:\n      responses: {\"204\": {description: gone}}\n    get:",
    )]);
    assert_eq!(r.changes.len(), 1, "{:?}", r.changes);
    assert_eq!((r.changes[0].class, r.changes[0].kind), (Class::Compatible, Kind::OperationAdded));
    let r = report(&BASE.replacen("/orders/{id}:\n    get:", "/orders/{id}:\n    head:", 1), BASE);
    assert_eq!(
        kinds(&r),
        [
            (Class::Breaking, Kind::OperationRemoved, "default().get_order".into()),
            (Class::Compatible, Kind::OperationAdded, "default().get_order".into()),
        ]
    );
    assert!(r.changes[0].detail.contains("`HEAD /orders/{id}` was removed"), "{:?}", r.changes);
}

#[test]
fn parameters() {
    let r = changed(&[("- {name: dry_run, in: query, schema: {type: boolean}}", "- {name: dry_run, in: query, schema: {type: boolean}}\n        - {name: trace, in: header, schema: {type: string}}")]);
    assert_eq!(kinds(&r), [(Class::Compatible, Kind::ParameterAdded, "default().create_order".into())]);
    let r = changed(&[("- {name: id, in: path, required: true, schema: {type: string}}", "- {name: id, in: path, required: true, schema: {type: string}}\n        - {name: v, in: query, schema: {type: string}}")]);
    assert_eq!(
        kinds(&r),
        [(Class::Breaking, Kind::ParameterAdded, "default().get_order".into())],
        "no params struct before: a new argument"
    );
    let r = changed(&[(
        "{name: dry_run, in: query, schema: {type: boolean}}",
        "{name: dry_run, in: query, required: true, schema: {type: boolean}}",
    )]);
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::ParameterRequiredChanged, "default().create_order".into())]);
}

#[test]
fn status_codes() {
    let r = changed(&[("        \"400\": {description: bad", "        \"409\": {description: conflict, content: {application/json: {schema: {$ref: \"#/components/schemas/Problem\"}}}}\n        \"400\": {description: bad")]);
    assert_eq!(
        kinds(&r),
        [
            (Class::Compatible, Kind::ErrorStatusAdded, "default().create_order".into()),
            (Class::Compatible, Kind::ErrorVariantAdded, "Error::Conflict".into()),
        ]
    );
    let r = changed(&[("\"201\": {description: ok", "\"200\": {description: ok")]);
    assert_eq!(kinds(&r), [(Class::Compatible, Kind::SuccessStatusChanged, "default().create_order".into())]);
    assert_eq!(r.bump, Bump::Patch);
    let r = changed(&[("\"400\": {description: bad", "\"422\": {description: bad")]);
    let k = kinds(&r);
    assert!(k.contains(&(Class::Breaking, Kind::ErrorVariantRemoved, "Error::BadRequest".into())), "{k:?}");
}

#[test]
fn types_and_response() {
    let r = changed(&[(
        "\"200\": {description: ok, content: {application/json: {schema: {$ref: \"#/components/schemas/Order\"}}}}",
        "\"200\": {description: ok, content: {application/json: {schema: {$ref: \"#/components/schemas/Problem\"}}}}",
    )]);
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::ResponseRetyped, "default().get_order".into())]);
    let r = changed(&[("Status: {type: string, enum: [open, closed]}", "Status: {type: string}")]);
    let k = kinds(&r);
    // The enum became a plain string: `Status` is now an alias of `String`.
    assert_eq!(k, [(Class::Breaking, Kind::TypeKindChanged, "models::Status".into())]);
    assert_eq!(r.changes[0].detail, "is now a type alias (was a string enum)");
    let r = changed(&[(
        "Problem: {type: object, properties: {message: {type: string}}}",
        "Problem: {type: object, properties: {message: {type: string}}}
    Refund: {type: object}",
    )]);
    assert_eq!(kinds(&r), [(Class::Compatible, Kind::TypeAdded, "models::Refund".into())]);
    // A type that sorts first moves every other type's id: references are compared by the type
    // they lead to, so nothing else changes.
    let r = changed(&[(
        "Problem: {type: object, properties: {message: {type: string}}}",
        "Problem: {type: object, properties: {message: {type: string}}}
    Adjustment: {type: object}",
    )]);
    assert_eq!(kinds(&r), [(Class::Compatible, Kind::TypeAdded, "models::Adjustment".into())]);
}

#[test]
fn servers_and_outputs() {
    let r = changed(&[("servers: [{url: \"https://api.example.com\", description: Production}]", "servers: [{url: \"https://api.example.com\", description: Production}, {url: \"https://eu.example.com\", description: Europe}]")]);
    assert_eq!(kinds(&r), [(Class::Compatible, Kind::ServerAdded, "Server::Europe".into())]);
    let md = r.markdown(3);
    assert!(md.starts_with("0 breaking, 1 compatible change(s): a minor version step (1.4.2 -> 1.5.0)."), "{md}");
    assert!(md.contains("### Compatible changes\n\n- `Server::Europe`: new server `https://eu.example.com`"), "{md}");
    let json: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
    assert_eq!(json["bump"], "minor");
    assert_eq!(json["changes"][0]["kind"], "server_added");
    assert_eq!(json["changes"][0]["class"], "compatible");
}

#[test]
fn a_field_of_one_value_is_set_by_new_until_its_type_allows_more() {
    // A new required field of one possible value does not change `new()`.
    let one = BASE.replacen("required: [sku]", "required: [sku, channel]", 1).replacen(
        "sku: {type: string}",
        "sku: {type: string}\n        channel: {type: string, enum: [web]}",
        1,
    );
    let r = report(BASE, &one);
    assert_eq!(
        kinds(&r),
        [
            (Class::Compatible, Kind::FieldAdded, "models::Order::channel".into()),
            (Class::Compatible, Kind::TypeAdded, "models::OrderChannel".into())
        ]
    );
    assert!(r.changes[0].detail.contains("which `new()` sets to `\"web\"`"), "{}", r.changes[0].detail);
    // A second value makes it a constructor argument: a breaking change.
    let two = one.replacen("enum: [web]", "enum: [web, phone]", 1);
    let r = report(&one, &two);
    let field = (Class::Breaking, Kind::FieldArgumentChanged, "models::Order::channel".to_string());
    assert!(kinds(&r).contains(&field), "{:?}", kinds(&r));
    assert!(r.changes.iter().any(|c| c.detail.contains("is now a constructor argument")), "{:?}", kinds(&r));
    // And back.
    let r = report(&two, &one);
    assert!(kinds(&r).contains(&field), "{:?}", kinds(&r));
    assert!(r.changes.iter().any(|c| c.detail.contains("`new()` sets it to `\"web\"`")), "{:?}", kinds(&r));
}
