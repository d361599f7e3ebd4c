//! What can happen in the console: user intents decoded from keys, the daemon calls they ask
//! for, and updates arriving from the daemon. The main loop turns keys into actions, feeds every
//! action to the app, and performs the [`Request`]s the app queues.

use feedbridge_common::attributes::{AttributeForm, AttributeRule, AttributeTarget, RuleSource};
use feedbridge_common::catalog::{
    AuthorizationStart, ConnectionTest, LinkPreview, MappingReport, ProductDetail, ShopSettings,
};
use feedbridge_common::compliance::SizeChartTemplate;
use feedbridge_common::mcf::McfSettings;
use feedbridge_common::orders::{CarrierChoices, OrderDetail, OrderSettings};
use feedbridge_common::secret::Secret;
use feedbridge_common::{
    CategoryRef, FailureKind, FailureQuery, FailureView, OrderQuery, OrderView, Page, ProductQuery,
    ProductView, StatusReport,
};

/// The panels, in tab order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Panel {
    #[default]
    Orders,
    Products,
    Failures,
    Connections,
}

impl Panel {
    pub const ALL: [Panel; 4] = [
        Panel::Orders,
        Panel::Products,
        Panel::Failures,
        Panel::Connections,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Orders => "Orders",
            Self::Products => "Products",
            Self::Failures => "Failures",
            Self::Connections => "Connections",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Self::Orders => 0,
            Self::Products => 1,
            Self::Failures => 2,
            Self::Connections => 3,
        }
    }

    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

/// A request for one window of a daemon-paged list, numbered: the panel applies only the
/// answer to its latest number, so a late answer to an older query or window is dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest<Q> {
    pub seq: u64,
    pub query: Q,
}

/// The answer to a [`PageRequest`] (or the live refresh of one), with its number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageAnswer<R> {
    pub seq: u64,
    pub page: Result<Page<R>, String>,
}

impl<R> PageAnswer<R> {
    /// The whole of `rows` as the answer to request `seq`.
    pub fn all(seq: u64, rows: Vec<R>) -> Self {
        let total = rows.len() as u64;
        Self {
            seq,
            page: Ok(Page {
                rows,
                offset: 0,
                total,
                note: None,
            }),
        }
    }
}

/// What each paged list shows now: the live refresh fetches these windows again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lists {
    pub orders: PageRequest<OrderQuery>,
    pub products: PageRequest<ProductQuery>,
    pub failures: PageRequest<FailureQuery>,
}

/// Everything the console shows, fetched together after each daemon event: the status and
/// the windows of the lists it pages through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub status: StatusReport,
    pub orders: PageAnswer<OrderView>,
    pub products: PageAnswer<ProductView>,
    pub failures: PageAnswer<FailureView>,
    /// Each TikTok shop's settings, or why they could not be read.
    pub settings: Vec<(String, Result<ShopSettings, String>)>,
    /// Each TikTok shop's order rules, or why they could not be read.
    pub order_settings: Vec<(String, Result<OrderSettings, String>)>,
}

/// A daemon call the app wants made; the main loop performs it and answers with
/// [`Action::Answered`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    RetryFailure(i64),
    Categories {
        shop: String,
        search: String,
    },
    /// TikTok's suggested category for a product title.
    RecommendCategory {
        shop: String,
        title: String,
    },
    MapCategories {
        listing_ids: Vec<i64>,
        category_id: String,
    },
    Unmap(i64),
    List(Vec<i64>),
    Resubmit(Vec<i64>),
    LinkManual {
        listing_id: i64,
        tiktok_product_id: String,
    },
    ProductDetail(i64),
    TestConnection(String),
    StartAuthorization(String),
    FinishAuthorization {
        shop: String,
        code: String,
        state: String,
    },
    LinkPreview(String),
    LinkApply(String),
    /// A window of the Orders list.
    OrderPage(PageRequest<OrderQuery>),
    /// A window of the Products list.
    ProductPage(PageRequest<ProductQuery>),
    /// A window of the Failures list.
    FailurePage(PageRequest<FailureQuery>),
    OrderDetail(i64),
    ResyncOrder(i64),
    /// Retry every open failure of one kind of one organization.
    RetryFailures {
        kind: FailureKind,
        organization: String,
    },
    CarrierChoices(String),
    SetCarrierMapping {
        shop: String,
        store_carrier: String,
        /// None removes the mapping.
        tiktok_provider: Option<String>,
    },
    /// The shop's order rules and its Amazon MCF rules.
    OrderSettings(String),
    SetOrderSettings {
        shop: String,
        settings: OrderSettings,
        /// Saved too when changed in the form.
        mcf: Option<McfSettings>,
    },
    /// A command line typed in the `:` palette, as words after `feedbridge`.
    Run(Vec<String>),
    /// The attribute form of a listing, or of a shop category's defaults.
    AttributeForm(AttributeTarget),
    SetAttributes {
        target: AttributeTarget,
        /// (attribute name, values); no values unsets.
        values: Vec<(String, Vec<String>)>,
    },
    /// A shop's rules taking attributes from store fields.
    AttributeRules(String),
    SetAttributeRule {
        shop: String,
        attribute: String,
        /// None removes the rule.
        source: Option<RuleSource>,
    },
    /// A shop's size chart templates.
    SizeChartTemplates(String),
    SetSizeChartTemplate {
        listing_id: i64,
        template: SizeChartTemplate,
    },
    /// Connect (or with `replace`, replace) an organization's store; the daemon checks it first.
    StoreConnect {
        organization: String,
        platform: String,
        url: String,
        settings: Vec<(String, String)>,
        credentials: Credentials,
        replace: bool,
    },
    StoreDisconnect(String),
}

/// Where a store's credentials come from: a file the console reads when sending, or typed as
/// the secrets file's lines. Never printed (Debug redacts the typed ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    File(String),
    Typed(Secret),
}

/// A shop's order rules and its Amazon MCF rules, read together for the order settings form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopRules {
    pub orders: OrderSettings,
    pub mcf: McfSettings,
}

/// The daemon's answer to a [`Request`]; errors are one merchant-readable line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A call whose answer is only worth a notice (retry, unmap, list, link, authorize).
    Message(Result<String, String>),
    Categories {
        search: String,
        result: Result<Vec<CategoryRef>, String>,
    },
    Recommended {
        title: String,
        result: Result<CategoryRef, String>,
    },
    Mapped {
        category_id: String,
        result: Result<MappingReport, String>,
    },
    ProductDetail {
        listing_id: i64,
        result: Result<Box<ProductDetail>, String>,
    },
    ConnectionTested {
        name: String,
        result: Result<ConnectionTest, String>,
    },
    AuthorizationStarted(Result<AuthorizationStart, String>),
    LinkPreview {
        shop: String,
        result: Result<LinkPreview, String>,
    },
    Linked {
        shop: String,
        result: Result<u32, String>,
    },
    OrderPage(PageAnswer<OrderView>),
    ProductPage(PageAnswer<ProductView>),
    FailurePage(PageAnswer<FailureView>),
    OrderDetail {
        order_id: i64,
        result: Result<Box<OrderDetail>, String>,
    },
    Resynced {
        order_id: i64,
        result: Result<String, String>,
    },
    RetriedAll {
        kind: FailureKind,
        organization: String,
        result: Result<u32, String>,
    },
    CarrierChoices {
        shop: String,
        result: Result<CarrierChoices, String>,
    },
    CarrierMappingSet {
        shop: String,
        result: Result<String, String>,
    },
    OrderSettings {
        shop: String,
        result: Result<ShopRules, String>,
    },
    OrderSettingsSaved {
        shop: String,
        result: Result<String, String>,
    },
    AttributeForm {
        target: AttributeTarget,
        result: Result<Box<AttributeForm>, String>,
    },
    AttributesSaved {
        target: AttributeTarget,
        result: Result<String, String>,
    },
    AttributeRules {
        shop: String,
        result: Result<Vec<AttributeRule>, String>,
    },
    AttributeRuleSet {
        shop: String,
        result: Result<String, String>,
    },
    SizeChartTemplates {
        shop: String,
        result: Result<Vec<SizeChartTemplate>, String>,
    },
    SizeChartSet {
        listing_id: i64,
        result: Result<String, String>,
    },
    StoreChanged {
        organization: String,
        result: Result<String, String>,
    },
    /// What a palette command printed, or why it failed.
    Ran {
        line: String,
        result: Result<String, String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextPanel,
    PrevPanel,
    ShowPanel(Panel),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Put this text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Sort by the next column.
    Sort,
    ReverseSort,
    /// Start typing the `/` filter of the current list.
    OpenFilter,
    /// Clear the current list's filter.
    ClearFilter,
    /// Open the `:` palette with this text typed.
    OpenPalette(String),
    /// Ask before quitting (the demo stops everything on quit).
    AskQuit,
    OpenDetail,
    ToggleHelp,
    ClosePopup,
    /// Ask the daemon to retry this failure.
    Retry(i64),
    /// Mark or unmark the current product for a bulk action.
    ToggleMark,
    /// Show the next listing status only (then all again).
    CycleFilter,
    /// Show orders in the next sync state only (then all again).
    CycleOrderFilter,
    /// Show the next TikTok shop's orders only (then all again).
    CycleShopFilter,
    /// Ask the daemon to look at the order in the detail popup again.
    ResyncOrder,
    /// Ask whether to retry every open failure of the selected failure's kind.
    AskRetryAll,
    /// Open the carrier mapping editor of the selected shop.
    OpenCarriers,
    /// Open the order settings form of the selected shop.
    OpenOrderSettings,
    /// Open the TikTok attribute form of the selected product.
    OpenAttributes,
    /// Open the attribute defaults of the selected product's category on its shop.
    OpenCategoryAttributes,
    /// Attribute form: type the store option the selected attribute takes (a shop rule).
    EditRule,
    /// Choose the selected product's size chart from its shop's TikTok templates.
    OpenSizeCharts,
    /// Connect, replace or disconnect the selected organization's store (form).
    OpenStoreForm,
    /// Add a carrier mapping (carrier editor).
    AddCarrier,
    /// Edit the selected mapping or setting.
    Edit,
    /// Delete the selected carrier mapping.
    Delete,
    /// Save the order settings form.
    Save,
    /// Open the category picker for the marked (or current) products.
    OpenPicker,
    Unmap,
    List,
    Resubmit,
    /// Ask for a TikTok product id to link the current product to.
    OpenLinkPrompt,
    TestConnection,
    Authorize,
    OpenLinkPreview,
    /// A key typed into the open picker or prompt.
    Input(char),
    /// Backspace in the open picker or prompt.
    Erase,
    /// Enter in a popup that takes input or a confirmation.
    Submit,
    /// A daemon call finished.
    Answered(Answer),
    /// Fresh data from the daemon.
    Refreshed(Box<Snapshot>),
    /// The connection to the daemon is gone; the live task is reconnecting.
    Disconnected(String),
    /// A one-line message for the status line (retry results, demo progress).
    Notice(String),
}
