//! [`wire_enum!`](macro@crate::wire_enum): a vendor enum with an `Unknown(String)` fallback, the one
//! macro every loyalty crate declares its wire enums with.

/// Declares a vendor enum: the listed variants with their wire values, plus `Unknown(String)`
/// for a value this SDK does not know yet (kept verbatim, never a decode failure).
///
/// It gets `as_str()`, `parse()` (surrounding spaces ignored), `KNOWN` (every known wire value),
/// `From<&str>`, `Display`, `Debug`, and serde: written as its wire string, read from a string or
/// a number. The enum is `#[non_exhaustive]`.
///
/// ```
/// loyalty_core::wire_enum! {
///     /// How a level pays.
///     LevelKind {
///         /// Cash-back.
///         Cashback = "cashback",
///         /// A discount.
///         Discount = "discount",
///     }
/// }
/// assert_eq!(LevelKind::parse(" cashback "), LevelKind::Cashback);
/// assert_eq!(LevelKind::from("hybrid"), LevelKind::Unknown("hybrid".into()));
/// assert_eq!(LevelKind::Discount.to_string(), "discount");
/// assert_eq!(LevelKind::KNOWN, ["cashback", "discount"]);
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this SDK does not know yet, kept verbatim.
            Unknown(::std::string::String),
        }

        impl $name {
            /// Every known wire value.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(s) => s,
                }
            }

            /// Reads a wire value (surrounding spaces ignored); an unknown one is kept.
            pub fn parse(s: &str) -> Self {
                match s.trim() {
                    $( $wire => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::parse(s)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::de::string_or_number(d).map(|s| Self::parse(&s))
            }
        }
    };
}
