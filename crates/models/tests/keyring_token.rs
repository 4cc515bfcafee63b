//! The access token in the OS keyring: stored, read back, replaced, cleared; `HF_TOKEN` wins over
//! it. Needs a Secret Service on the session bus: `scripts/keyring-test.sh` starts a private
//! D-Bus session with GNOME Keyring (its login collection unlocked with an empty password) and runs
//! this.

#[test]
#[ignore = "needs a Secret Service: scripts/keyring-test.sh"]
fn the_token_lives_in_the_os_keyring() {
    std::env::remove_var("HF_TOKEN");
    hearth_models::clear_token().unwrap();
    assert_eq!(hearth_models::stored_token().unwrap(), None);
    assert_eq!(hearth_models::access_token(), (None, hearth_models::TokenSource::None));

    hearth_models::store_token(" hf_first123 ").unwrap();
    assert_eq!(hearth_models::stored_token().unwrap().as_deref(), Some("hf_first123"));
    hearth_models::store_token("hf_second456").unwrap();
    assert_eq!(hearth_models::access_token(), (Some("hf_second456".into()), hearth_models::TokenSource::Keyring));
    // From inside a tokio runtime too (the app's commands run there).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let inside = rt.block_on(async { hearth_models::stored_token() }).unwrap();
    assert_eq!(inside.as_deref(), Some("hf_second456"));

    std::env::set_var("HF_TOKEN", "hf_env789");
    assert_eq!(hearth_models::access_token(), (Some("hf_env789".into()), hearth_models::TokenSource::Environment));
    std::env::remove_var("HF_TOKEN");

    assert!(hearth_models::store_token("two words").is_err());
    hearth_models::clear_token().unwrap();
    assert_eq!(hearth_models::stored_token().unwrap(), None);
    // Clearing twice is fine.
    hearth_models::clear_token().unwrap();
}
