//! The console's daemon calls over a real socket: each [`Request`] the app queues becomes the
//! right RPC, and its answer (or refusal) comes back as the action the app expects.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support;

use feedbridge_common::mcf::McfSettings;
use feedbridge_tui::action::{Action, Answer, PageRequest, Request, ShopRules};
use feedbridge_tui::{client, requests};
use support::{AUTH_STATE, FakeDaemon, sample_link_preview, samples};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_become_answers() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    let daemon = FakeDaemon::start(&socket, samples()).await;
    let console = client::connect(&socket).await.unwrap();
    let ask = |request| {
        let console = console.clone();
        let socket = socket.clone();
        async move {
            match requests::perform(&console, &socket, request).await {
                Action::Answered(answer) => answer,
                other => panic!("{other:?}"),
            }
        }
    };

    match ask(Request::Categories {
        shop: "demo-us".into(),
        search: "mug".into(),
    })
    .await
    {
        Answer::Categories { search, result } => {
            assert_eq!(search, "mug");
            assert_eq!(result.unwrap()[0].id, "600001");
        }
        other => panic!("{other:?}"),
    }
    match ask(Request::MapCategories {
        listing_ids: vec![1, 2],
        category_id: "600001".into(),
    })
    .await
    {
        Answer::Mapped { result, .. } => {
            let report = result.unwrap();
            assert_eq!(report.mapped, vec![2]);
            assert_eq!(report.refused[0].0, 1);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ask(Request::Unmap(1)).await,
        Answer::Message(Err(
            "Could not unmap listing 1: listing 1 is already listed; its category is locked".into()
        ))
    );
    assert_eq!(
        ask(Request::List(vec![2, 3])).await,
        Answer::Message(Ok("Queued 2 listings for submission to TikTok.".into()))
    );
    assert_eq!(
        ask(Request::Resubmit(vec![3])).await,
        Answer::Message(Ok("Queued 1 listing for another submission.".into()))
    );
    assert_eq!(
        ask(Request::LinkManual {
            listing_id: 2,
            tiktok_product_id: "77".into()
        })
        .await,
        Answer::Message(Ok("Listing 2 is linked to TikTok product 77.".into()))
    );
    match ask(Request::ProductDetail(3)).await {
        Answer::ProductDetail { listing_id, result } => {
            assert_eq!(listing_id, 3);
            assert!(result.unwrap().package.all_defaults());
        }
        other => panic!("{other:?}"),
    }
    match ask(Request::TestConnection("demo-us".into())).await {
        Answer::ConnectionTested { name, result } => {
            assert_eq!(name, "demo-us");
            assert!(!result.unwrap().ok);
        }
        other => panic!("{other:?}"),
    }
    match ask(Request::StartAuthorization("demo-us".into())).await {
        Answer::AuthorizationStarted(result) => assert_eq!(result.unwrap().state, AUTH_STATE),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ask(Request::FinishAuthorization {
            shop: "demo-us".into(),
            code: "C".into(),
            state: AUTH_STATE.into()
        })
        .await,
        Answer::Message(Ok("demo-us is authorized; sync resumes.".into()))
    );
    assert_eq!(
        ask(Request::LinkPreview("demo-us".into())).await,
        Answer::LinkPreview {
            shop: "demo-us".into(),
            result: Ok(sample_link_preview())
        }
    );
    assert_eq!(
        ask(Request::LinkApply("demo-us".into())).await,
        Answer::Linked {
            shop: "demo-us".into(),
            result: Ok(1)
        }
    );
    assert_eq!(
        ask(Request::RetryFailure(99)).await,
        Answer::Message(Err(
            "Could not retry failure #99: not found: failure #99".into()
        ))
    );

    // Order work.
    let blocked = feedbridge_common::OrderQuery {
        state: Some(feedbridge_common::OrderSyncState::Blocked),
        window: feedbridge_common::Window::first(10),
        ..Default::default()
    };
    match ask(Request::OrderPage(PageRequest {
        seq: 7,
        query: blocked,
    }))
    .await
    {
        Answer::OrderPage(answer) => {
            assert_eq!(answer.seq, 7, "the answer carries its request's number");
            let ids: Vec<i64> = answer.page.unwrap().rows.iter().map(|o| o.id).collect();
            assert_eq!(ids, [13]);
        }
        other => panic!("{other:?}"),
    }
    match ask(Request::OrderDetail(11)).await {
        Answer::OrderDetail { order_id, result } => {
            assert_eq!(order_id, 11);
            assert_eq!(result.unwrap().timeline.len(), 5);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ask(Request::ResyncOrder(99)).await,
        Answer::Resynced {
            order_id: 99,
            result: Err("not found: order 99".into())
        }
    );
    assert_eq!(
        ask(Request::RetryFailures {
            kind: feedbridge_common::FailureKind::TrackingPush,
            organization: "demo".into()
        })
        .await,
        Answer::RetriedAll {
            kind: feedbridge_common::FailureKind::TrackingPush,
            organization: "demo".into(),
            result: Ok(1)
        }
    );
    assert_eq!(
        ask(Request::CarrierChoices("demo-us".into())).await,
        Answer::CarrierChoices {
            shop: "demo-us".into(),
            result: Ok(support::sample_carriers())
        }
    );
    assert_eq!(
        ask(Request::OrderSettings("demo-us".into())).await,
        Answer::OrderSettings {
            shop: "demo-us".into(),
            result: Ok(ShopRules {
                orders: support::sample_order_settings(),
                mcf: McfSettings::default(),
            })
        }
    );
    assert_eq!(
        ask(Request::SetCarrierMapping {
            shop: "demo-us".into(),
            store_carrier: "Evri 48h".into(),
            tiktok_provider: Some("OnTrac".into())
        })
        .await,
        Answer::CarrierMappingSet {
            shop: "demo-us".into(),
            result: Ok("Tracking from 'Evri 48h' now goes to TikTok as OnTrac.".into())
        }
    );
    let mut settings = support::sample_order_settings();
    settings.hold_minutes = 5000;
    assert_eq!(
        ask(Request::SetOrderSettings {
            shop: "demo-us".into(),
            settings,
            mcf: None,
        })
        .await,
        Answer::OrderSettingsSaved {
            shop: "demo-us".into(),
            result: Err(
                "hold_minutes: at most 1440 (a day); TikTok expects orders to ship sooner".into()
            )
        }
    );

    // The live feed reads every shop's settings with the rest.
    let snapshot = feedbridge_tui::live::fetch(&console, &Default::default())
        .await
        .unwrap();
    assert_eq!(snapshot.settings, samples().settings);
    // ...and its order rules (with the mapping added above).
    let (shop, order_settings) = &snapshot.order_settings[0];
    assert_eq!(shop, "demo-us");
    assert_eq!(order_settings.as_ref().unwrap().carrier_mappings.len(), 2);

    // The `:` palette runs the CLI's own code with the console's client.
    let run = |words: &[&str]| Request::Run(words.iter().map(|w| w.to_string()).collect());
    assert_eq!(
        ask(run(&["retry", "7"])).await,
        Answer::Ran {
            line: "retry 7".into(),
            result: Ok("Failure #7 queued for another attempt.\n".into())
        }
    );
    match ask(run(&["settings", "demo-us", "set", "buffer", "10%"])).await {
        Answer::Ran {
            line,
            result: Ok(out),
        } => {
            assert_eq!(line, "settings demo-us set buffer '10%'");
            assert!(out.contains("10%"), "{out}");
        }
        other => panic!("{other:?}"),
    }
    match ask(run(&["settings", "demo-us", "set", "buffer", "lots"])).await {
        Answer::Ran {
            result: Err(error), ..
        } => assert!(error.contains("buffer"), "{error}"),
        other => panic!("{other:?}"),
    }
    daemon.stop();
}
