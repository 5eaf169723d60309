//! Name pins: method names by `METHOD /path` and type names by schema pointer win over
//! operationIds and schema names, derived names step aside, and a pin that matches nothing
//! is a warning (an error with --strict).

use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;

const SPEC: &str = r##"
openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {$ref: "#/components/schemas/dto.Pet"}}
    post:
      operationId: list_all
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Animal"}}}}
      responses: {"201": {description: ok}}
components:
  schemas:
    dto.Pet: {type: object, properties: {name: {type: string}}}
    Animal: {type: object, properties: {legs: {type: integer}}}
"##;

const PINS: &str = r##"
[pins.operations]
"GET /pets" = "list_all"
[pins.types]
"#/components/schemas/dto.Pet" = "Animal"
"#/paths/~1pets/get/responses/200/content/application~1json/schema" = "PetPage"
"##;

fn generate(config: &str, strict: bool) -> Result<sdkgen::Generated, sdkgen::diag::GenerateError> {
    let config = Config::parse("pins.toml", config).unwrap();
    sdkgen::generate_str("pets.yaml", SPEC, &config, LowerOptions { strict })
}

#[test]
fn pins_win_and_derived_names_step_aside() {
    let g = generate(PINS, false).unwrap();
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
    let ops: Vec<(&str, &str)> = g.api.operations.iter().map(|o| (o.method.as_str(), o.rust_name.as_str())).collect();
    // The pinned name wins over the operationId `listPets`; the operation whose own
    // operationId is `list_all` gets the next free name.
    assert_eq!(ops, [("GET", "list_all"), ("POST", "list_all_2")]);
    let types: Vec<(&str, &str)> = g.api.types.iter().map(|t| (t.name.as_str(), t.origin.as_str())).collect();
    assert!(types.contains(&("Animal", "schema `dto.Pet`")), "{types:?}");
    assert!(types.contains(&("Animal2", "schema `Animal`")), "{types:?}");
    assert!(types.iter().any(|(n, o)| *n == "PetPage" && o.starts_with("inline schema")), "{types:?}");
    let page = g.files.get("src/models/pet_page.rs").expect("the pinned inline type has its own module");
    assert!(page.contains("pub items: Option<Vec<Animal>>"), "{page}");
}

#[test]
fn without_pins_the_names_differ() {
    let g = generate("", false).unwrap();
    let names: Vec<&str> = g.api.operations.iter().map(|o| o.rust_name.as_str()).collect();
    assert_eq!(names, ["list_pets", "list_all"]);
    assert!(g.api.types.iter().any(|t| t.name == "Pet"));
}

#[test]
fn a_pin_matching_nothing_warns_and_fails_under_strict() {
    let config =
        "[pins.operations]\n\"DELETE /pets\" = \"remove\"\n[pins.types]\n\"#/components/schemas/Gone\" = \"Gone\"\n";
    let g = generate(config, false).unwrap();
    let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("pin `DELETE /pets` = `remove` matches no operation"), "{warnings:?}");
    assert!(warnings[1].contains("pets.yaml#/components/schemas/Gone"), "{warnings:?}");
    let err = generate(config, true).unwrap_err().to_string();
    assert!(err.contains("matches no operation"), "{err}");
}
