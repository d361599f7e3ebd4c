//! The webservice resources the simulator serves, with their fields as PrestaShop 8.1's
//! `$webserviceParameters` and `$definition` give them (a subset of each: the fields a
//! connector reads or writes, plus the ones every answer carries).

/// One field: `required` on create (code 41 when absent), `i18n` (multilingual), `link` the
/// resource an id points to (`xlink:href`), `read_only` (ignored on write).
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) required: bool,
    pub(crate) i18n: bool,
    pub(crate) link: Option<&'static str>,
    pub(crate) read_only: bool,
}

/// An association: `<name nodeType="node" api="api">` (`api` empty: a virtual entity).
pub(crate) struct Association {
    pub(crate) name: &'static str,
    pub(crate) node: &'static str,
    pub(crate) api: &'static str,
}

pub(crate) struct Resource {
    pub(crate) name: &'static str,
    pub(crate) singular: &'static str,
    pub(crate) fields: &'static [Field],
    pub(crate) associations: &'static [Association],
    /// Methods the webservice allows at all on it (key permissions narrow them further).
    pub(crate) methods: &'static [&'static str],
}

impl Resource {
    /// The ObjectModel class, for error texts (`order_carrier` → `OrderCarrier`).
    pub(crate) fn class(&self) -> String {
        self.singular
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|first| first.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }

    pub(crate) fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const fn f(name: &'static str) -> Field {
    Field {
        name,
        required: false,
        i18n: false,
        link: None,
        read_only: false,
    }
}

const fn req(name: &'static str) -> Field {
    Field {
        required: true,
        ..f(name)
    }
}

const fn link(name: &'static str, to: &'static str) -> Field {
    Field {
        link: Some(to),
        ..f(name)
    }
}

const fn req_link(name: &'static str, to: &'static str) -> Field {
    Field {
        required: true,
        link: Some(to),
        ..f(name)
    }
}

const fn lang(name: &'static str) -> Field {
    Field {
        i18n: true,
        ..f(name)
    }
}

const fn ro(name: &'static str) -> Field {
    Field {
        read_only: true,
        ..f(name)
    }
}

const ALL: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE"];

pub(crate) const RESOURCES: &[Resource] = &[
    Resource {
        name: "configurations",
        singular: "configuration",
        fields: &[
            ro("id"),
            f("value"),
            req("name"),
            f("id_shop_group"),
            f("id_shop"),
            ro("date_add"),
            ro("date_upd"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "currencies",
        singular: "currency",
        fields: &[
            ro("id"),
            lang("names"),
            req("name"),
            lang("symbol"),
            req("iso_code"),
            f("numeric_iso_code"),
            f("precision"),
            req("conversion_rate"),
            f("deleted"),
            req("active"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "countries",
        singular: "country",
        fields: &[
            ro("id"),
            f("id_zone"),
            f("id_currency"),
            f("call_prefix"),
            req("iso_code"),
            f("active"),
            f("contains_states"),
            f("need_identification_number"),
            f("need_zip_code"),
            f("zip_code_format"),
            f("display_tax_label"),
            lang("name"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "states",
        singular: "state",
        fields: &[
            ro("id"),
            req("id_zone"),
            req_link("id_country", "countries"),
            req("iso_code"),
            req("name"),
            f("active"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "carriers",
        singular: "carrier",
        fields: &[
            ro("id"),
            f("deleted"),
            f("is_module"),
            f("id_tax_rules_group"),
            f("id_reference"),
            req("name"),
            f("active"),
            f("is_free"),
            f("url"),
            f("shipping_handling"),
            f("shipping_method"),
            f("position"),
            lang("delay"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "products",
        singular: "product",
        fields: &[
            ro("id"),
            link("id_manufacturer", "manufacturers"),
            f("id_supplier"),
            link("id_category_default", "categories"),
            f("new"),
            f("cache_default_attribute"),
            f("id_default_image"),
            link("id_default_combination", "combinations"),
            f("id_tax_rules_group"),
            f("type"),
            f("id_shop_default"),
            f("reference"),
            f("supplier_reference"),
            f("width"),
            f("height"),
            f("depth"),
            f("weight"),
            f("ean13"),
            f("isbn"),
            f("upc"),
            f("mpn"),
            f("state"),
            f("product_type"),
            f("on_sale"),
            f("online_only"),
            f("minimal_quantity"),
            req("price"),
            f("wholesale_price"),
            f("active"),
            f("available_for_order"),
            f("show_price"),
            f("visibility"),
            f("advanced_stock_management"),
            ro("date_add"),
            ro("date_upd"),
            // `getWsManufacturerName`: the brand's name, computed on every read.
            ro("manufacturer_name"),
            lang("link_rewrite"),
            lang("name"),
            lang("description"),
            lang("description_short"),
        ],
        associations: &[
            Association {
                name: "categories",
                node: "category",
                api: "categories",
            },
            Association {
                name: "images",
                node: "image",
                api: "images",
            },
            Association {
                name: "combinations",
                node: "combination",
                api: "combinations",
            },
            Association {
                name: "product_option_values",
                node: "product_option_value",
                api: "product_option_values",
            },
            // Rows `{id: feature id, id_feature_value}`.
            Association {
                name: "product_features",
                node: "product_feature",
                api: "product_features",
            },
            Association {
                name: "tags",
                node: "tag",
                api: "tags",
            },
            Association {
                name: "stock_availables",
                node: "stock_available",
                api: "stock_availables",
            },
        ],
        methods: ALL,
    },
    Resource {
        name: "combinations",
        singular: "combination",
        fields: &[
            ro("id"),
            req_link("id_product", "products"),
            f("location"),
            f("ean13"),
            f("isbn"),
            f("upc"),
            f("mpn"),
            f("quantity"),
            f("reference"),
            f("supplier_reference"),
            f("wholesale_price"),
            f("price"),
            f("ecotax"),
            f("weight"),
            f("unit_price_impact"),
            req("minimal_quantity"),
            f("default_on"),
            f("available_date"),
        ],
        associations: &[
            Association {
                name: "product_option_values",
                node: "product_option_value",
                api: "product_option_values",
            },
            Association {
                name: "images",
                node: "image",
                api: "images",
            },
        ],
        methods: ALL,
    },
    Resource {
        name: "product_options",
        singular: "product_option",
        fields: &[
            ro("id"),
            f("is_color_group"),
            req("group_type"),
            f("position"),
            lang("name"),
            lang("public_name"),
        ],
        associations: &[Association {
            name: "product_option_values",
            node: "product_option_value",
            api: "product_option_values",
        }],
        methods: ALL,
    },
    Resource {
        name: "product_option_values",
        singular: "product_option_value",
        fields: &[
            ro("id"),
            req_link("id_attribute_group", "product_options"),
            f("color"),
            f("position"),
            lang("name"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "product_features",
        singular: "product_feature",
        fields: &[ro("id"), f("position"), lang("name")],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "product_feature_values",
        singular: "product_feature_value",
        fields: &[
            ro("id"),
            req_link("id_feature", "product_features"),
            f("custom"),
            lang("value"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "manufacturers",
        singular: "manufacturer",
        fields: &[
            ro("id"),
            f("active"),
            ro("link_rewrite"),
            req("name"),
            ro("date_add"),
            ro("date_upd"),
            lang("description"),
            lang("short_description"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "tags",
        singular: "tag",
        fields: &[ro("id"), req_link("id_lang", "languages"), req("name")],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "stock_availables",
        singular: "stock_available",
        fields: &[
            ro("id"),
            req_link("id_product", "products"),
            req("id_product_attribute"),
            f("id_shop"),
            f("id_shop_group"),
            req("quantity"),
            req("depends_on_stock"),
            req("out_of_stock"),
            f("location"),
        ],
        associations: &[],
        // StockAvailable: no POST or DELETE through the webservice.
        methods: &["GET", "HEAD", "PUT"],
    },
    Resource {
        name: "customers",
        singular: "customer",
        fields: &[
            ro("id"),
            f("id_default_group"),
            f("id_lang"),
            f("newsletter_date_add"),
            f("ip_registration_newsletter"),
            ro("last_passwd_gen"),
            ro("secure_key"),
            f("deleted"),
            req("passwd"),
            req("lastname"),
            req("firstname"),
            req("email"),
            f("id_gender"),
            f("birthday"),
            f("newsletter"),
            f("optin"),
            f("website"),
            f("company"),
            f("siret"),
            f("ape"),
            f("outstanding_allow_amount"),
            f("show_public_prices"),
            f("id_risk"),
            f("max_payment_days"),
            f("active"),
            f("note"),
            f("is_guest"),
            f("id_shop"),
            f("id_shop_group"),
            ro("date_add"),
            ro("date_upd"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "addresses",
        singular: "address",
        fields: &[
            ro("id"),
            link("id_customer", "customers"),
            f("id_manufacturer"),
            f("id_supplier"),
            f("id_warehouse"),
            req_link("id_country", "countries"),
            link("id_state", "states"),
            req("alias"),
            f("company"),
            req("lastname"),
            req("firstname"),
            f("vat_number"),
            req("address1"),
            f("address2"),
            f("postcode"),
            req("city"),
            f("other"),
            f("phone"),
            f("phone_mobile"),
            f("dni"),
            f("deleted"),
            ro("date_add"),
            ro("date_upd"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "carts",
        singular: "cart",
        fields: &[
            ro("id"),
            link("id_address_delivery", "addresses"),
            link("id_address_invoice", "addresses"),
            req_link("id_currency", "currencies"),
            link("id_customer", "customers"),
            f("id_guest"),
            req_link("id_lang", "languages"),
            f("id_shop_group"),
            f("id_shop"),
            link("id_carrier", "carriers"),
            f("recyclable"),
            f("gift"),
            f("gift_message"),
            f("mobile_theme"),
            f("delivery_option"),
            f("secure_key"),
            f("allow_seperated_package"),
            ro("date_add"),
            ro("date_upd"),
        ],
        associations: &[Association {
            name: "cart_rows",
            node: "cart_row",
            api: "",
        }],
        methods: ALL,
    },
    Resource {
        name: "orders",
        singular: "order",
        fields: &[
            ro("id"),
            req_link("id_address_delivery", "addresses"),
            req_link("id_address_invoice", "addresses"),
            req_link("id_cart", "carts"),
            req_link("id_currency", "currencies"),
            req_link("id_lang", "languages"),
            req_link("id_customer", "customers"),
            req_link("id_carrier", "carriers"),
            ro("current_state"),
            req("module"),
            f("invoice_number"),
            f("invoice_date"),
            f("delivery_number"),
            f("delivery_date"),
            f("valid"),
            ro("date_add"),
            ro("date_upd"),
            f("shipping_number"),
            f("note"),
            f("id_shop_group"),
            f("id_shop"),
            f("secure_key"),
            req("payment"),
            f("recyclable"),
            f("gift"),
            f("gift_message"),
            f("mobile_theme"),
            f("total_discounts"),
            f("total_discounts_tax_incl"),
            f("total_discounts_tax_excl"),
            req("total_paid"),
            f("total_paid_tax_incl"),
            f("total_paid_tax_excl"),
            req("total_paid_real"),
            req("total_products"),
            req("total_products_wt"),
            f("total_shipping"),
            f("total_shipping_tax_incl"),
            f("total_shipping_tax_excl"),
            f("carrier_tax_rate"),
            f("total_wrapping"),
            f("round_mode"),
            f("round_type"),
            req("conversion_rate"),
            ro("reference"),
        ],
        associations: &[Association {
            name: "order_rows",
            node: "order_row",
            api: "",
        }],
        // Order: DELETE is refused (`forbidden_method`).
        methods: &["GET", "HEAD", "POST", "PUT"],
    },
    Resource {
        name: "order_states",
        singular: "order_state",
        fields: &[
            ro("id"),
            f("unremovable"),
            f("delivery"),
            f("hidden"),
            f("send_email"),
            f("module_name"),
            f("invoice"),
            f("color"),
            f("logable"),
            f("shipped"),
            f("paid"),
            f("pdf_delivery"),
            f("pdf_invoice"),
            f("deleted"),
            lang("name"),
            lang("template"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "order_histories",
        singular: "order_history",
        fields: &[
            ro("id"),
            f("id_employee"),
            req_link("id_order_state", "order_states"),
            req_link("id_order", "orders"),
            ro("date_add"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "order_carriers",
        singular: "order_carrier",
        fields: &[
            ro("id"),
            req_link("id_order", "orders"),
            req_link("id_carrier", "carriers"),
            f("id_order_invoice"),
            f("weight"),
            f("shipping_cost_tax_excl"),
            f("shipping_cost_tax_incl"),
            f("tracking_number"),
            ro("date_add"),
        ],
        associations: &[],
        methods: ALL,
    },
    Resource {
        name: "messages",
        singular: "message",
        fields: &[
            ro("id"),
            link("id_cart", "carts"),
            link("id_order", "orders"),
            link("id_customer", "customers"),
            f("id_employee"),
            req("message"),
            f("private"),
            ro("date_add"),
        ],
        associations: &[],
        methods: ALL,
    },
];

pub(crate) fn resource(name: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.name == name)
}
