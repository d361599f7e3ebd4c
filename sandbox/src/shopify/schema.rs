//! The served schema, loaded from `schema.graphql` with `graphql-parser`.

use std::collections::HashMap;
use std::sync::OnceLock;

use graphql_parser::schema as s;
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    pub(crate) fn from_ast<'a>(t: &s::Type<'a, String>) -> Self {
        match t {
            s::Type::NamedType(n) => TypeRef::Named(n.clone()),
            s::Type::ListType(inner) => TypeRef::List(Box::new(Self::from_ast(inner))),
            s::Type::NonNullType(inner) => TypeRef::NonNull(Box::new(Self::from_ast(inner))),
        }
    }

    /// The innermost named type.
    pub(crate) fn named(&self) -> &str {
        match self {
            TypeRef::Named(n) => n,
            TypeRef::List(i) | TypeRef::NonNull(i) => i.named(),
        }
    }

    pub(crate) fn is_non_null(&self) -> bool {
        matches!(self, TypeRef::NonNull(_))
    }

    pub(crate) fn nullable(&self) -> &TypeRef {
        match self {
            TypeRef::NonNull(i) => i,
            other => other,
        }
    }
}

impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::Named(n) => write!(f, "{n}"),
            TypeRef::List(i) => write!(f, "[{i}]"),
            TypeRef::NonNull(i) => write!(f, "{i}!"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar,
    Object,
    Interface,
    Union,
    Enum,
    Input,
}

#[derive(Debug)]
pub(crate) struct InputDef {
    pub(crate) name: String,
    pub(crate) ty: TypeRef,
    pub(crate) default: Option<Value>,
}

#[derive(Debug)]
pub(crate) struct FieldDef {
    pub(crate) name: String,
    pub(crate) args: Vec<InputDef>,
    pub(crate) ty: TypeRef,
}

impl FieldDef {
    pub(crate) fn arg(&self, name: &str) -> Option<&InputDef> {
        self.args.iter().find(|a| a.name == name)
    }
}

#[derive(Debug)]
pub(crate) struct TypeDef {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) fields: Vec<FieldDef>,
    pub(crate) interfaces: Vec<String>,
    pub(crate) members: Vec<String>,
    pub(crate) enum_values: Vec<String>,
    pub(crate) input_fields: Vec<InputDef>,
}

impl TypeDef {
    pub(crate) fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub(crate) fn input_field(&self, name: &str) -> Option<&InputDef> {
        self.input_fields.iter().find(|f| f.name == name)
    }

    pub(crate) fn is_composite(&self) -> bool {
        matches!(self.kind, Kind::Object | Kind::Interface | Kind::Union)
    }

    pub(crate) fn is_leaf(&self) -> bool {
        matches!(self.kind, Kind::Scalar | Kind::Enum)
    }

    pub(crate) fn is_connection(&self) -> bool {
        self.kind == Kind::Object && self.name.ends_with("Connection")
    }
}

pub(crate) struct Schema {
    pub(crate) types: HashMap<String, TypeDef>,
}

const SDL: &str = include_str!("schema.graphql");

/// The parsed schema (parsed once; the SDL is part of the binary and covered by tests).
pub(crate) fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        #[allow(clippy::expect_used)]
        Schema::parse(SDL).expect("invariant: the embedded schema.graphql parses")
    })
}

fn const_value(v: &s::Value<'_, String>) -> Value {
    use serde_json::json;
    match v {
        s::Value::Variable(_) | s::Value::Null => Value::Null,
        s::Value::Int(n) => json!(n.as_i64()),
        s::Value::Float(f) => json!(f),
        s::Value::String(st) => json!(st),
        s::Value::Boolean(b) => json!(b),
        s::Value::Enum(e) => json!(e),
        s::Value::List(l) => Value::Array(l.iter().map(const_value).collect()),
        s::Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), const_value(v))).collect())
        }
    }
}

fn inputs(list: &[s::InputValue<'_, String>]) -> Vec<InputDef> {
    list.iter()
        .map(|iv| InputDef {
            name: iv.name.clone(),
            ty: TypeRef::from_ast(&iv.value_type),
            default: iv.default_value.as_ref().map(const_value),
        })
        .collect()
}

fn fields(list: &[s::Field<'_, String>]) -> Vec<FieldDef> {
    list.iter()
        .map(|f| FieldDef {
            name: f.name.clone(),
            args: inputs(&f.arguments),
            ty: TypeRef::from_ast(&f.field_type),
        })
        .collect()
}

impl Schema {
    fn parse(sdl: &str) -> Result<Self, String> {
        let doc = graphql_parser::parse_schema::<String>(sdl).map_err(|e| e.to_string())?;
        let mut types: HashMap<String, TypeDef> = HashMap::new();
        let blank = |name: &str, kind: Kind| TypeDef {
            name: name.to_string(),
            kind,
            fields: Vec::new(),
            interfaces: Vec::new(),
            members: Vec::new(),
            enum_values: Vec::new(),
            input_fields: Vec::new(),
        };
        for builtin in ["Int", "Float", "String", "Boolean", "ID"] {
            types.insert(builtin.to_string(), blank(builtin, Kind::Scalar));
        }
        for def in &doc.definitions {
            let s::Definition::TypeDefinition(td) = def else {
                continue;
            };
            let t = match td {
                s::TypeDefinition::Scalar(x) => blank(&x.name, Kind::Scalar),
                s::TypeDefinition::Object(x) => TypeDef {
                    fields: fields(&x.fields),
                    interfaces: x.implements_interfaces.clone(),
                    ..blank(&x.name, Kind::Object)
                },
                s::TypeDefinition::Interface(x) => TypeDef {
                    fields: fields(&x.fields),
                    ..blank(&x.name, Kind::Interface)
                },
                s::TypeDefinition::Union(x) => TypeDef {
                    members: x.types.clone(),
                    ..blank(&x.name, Kind::Union)
                },
                s::TypeDefinition::Enum(x) => TypeDef {
                    enum_values: x.values.iter().map(|v| v.name.clone()).collect(),
                    ..blank(&x.name, Kind::Enum)
                },
                s::TypeDefinition::InputObject(x) => TypeDef {
                    input_fields: inputs(&x.fields),
                    ..blank(&x.name, Kind::Input)
                },
            };
            types.insert(t.name.clone(), t);
        }
        // Interface members = object types implementing them.
        let implementations: Vec<(String, String)> = types
            .values()
            .flat_map(|t| {
                t.interfaces
                    .iter()
                    .map(|i| (i.clone(), t.name.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (iface, obj) in implementations {
            if let Some(t) = types.get_mut(&iface) {
                t.members.push(obj);
            }
        }
        let schema = Schema { types };
        schema.check()?;
        Ok(schema)
    }

    /// Every referenced type exists.
    fn check(&self) -> Result<(), String> {
        for t in self.types.values() {
            let refs = t
                .fields
                .iter()
                .flat_map(|f| std::iter::once(&f.ty).chain(f.args.iter().map(|a| &a.ty)))
                .chain(t.input_fields.iter().map(|f| &f.ty));
            for r in refs {
                if !self.types.contains_key(r.named()) {
                    return Err(format!(
                        "type {} references unknown type {}",
                        t.name,
                        r.named()
                    ));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    /// Whether an object of runtime type `object` matches the type condition `cond`.
    pub(crate) fn matches(&self, object: &str, cond: &str) -> bool {
        object == cond
            || self
                .get(cond)
                .is_some_and(|c| c.members.iter().any(|m| m == object))
    }

    /// Whether the two composite types can overlap (for fragment spreads).
    pub(crate) fn overlaps(&self, a: &str, b: &str) -> bool {
        let possible = |t: &str| -> Vec<String> {
            match self.get(t) {
                Some(d) if d.kind == Kind::Object => vec![d.name.clone()],
                Some(d) => d.members.clone(),
                None => Vec::new(),
            }
        };
        let pa = possible(a);
        possible(b).iter().any(|x| pa.contains(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_parses_and_is_closed() {
        let s = schema();
        assert!(s.get("QueryRoot").is_some());
        assert!(s.get("Mutation").is_some());
        assert!(s.matches("MediaImage", "Media"));
        assert!(
            s.get("ProductConnection")
                .is_some_and(TypeDef::is_connection)
        );
    }
}
