use super::*;
use crate::log::note;
use crate::log::proof::consistency_proof;
use crate::model::merkle::root;
use crate::witness::cosig::{cosigned_by, split_note, Cosigned, WitnessVerifier};

const ORIGIN: &str = "fairdraw.test/witnessed";
const T: u64 = 1_764_547_200;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    skey: String,
    vkey: String,
    leaves: Vec<Hash>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    init(&path, "w.test/one").unwrap();
    let (skey, vkey) = note::generate_keys(ORIGIN).unwrap();
    let leaves = (0..10u8).map(|i| crate::model::merkle::leaf_hash(&[i])).collect();
    Fixture { _dir: dir, path, skey, vkey, leaves }
}

impl Fixture {
    fn open(&self) -> Witness {
        Witness::open(&self.path, std::slice::from_ref(&self.vkey), WitnessClock::Fixed(T)).unwrap()
    }

    fn note_of(&self, leaves: &[Hash]) -> String {
        note::sign(&note::checkpoint_text(ORIGIN, leaves.len() as u64, &root(leaves)), &self.skey).unwrap()
    }

    /// A request for the first `size` leaves, proved from `old`.
    fn request(&self, old: u64, size: usize) -> Vec<u8> {
        let leaves = &self.leaves[..size];
        let proof = if old == 0 { vec![] } else { consistency_proof(leaves, old) };
        AddCheckpoint { old, proof, checkpoint: self.note_of(leaves) }.to_body().into_bytes()
    }
}

fn conflict(size: u64) -> Answer {
    Answer { status: 409, content_type: SIZE_CONTENT_TYPE, body: format!("{size}\n") }
}

#[test]
fn cosigns_a_first_checkpoint_and_remembers_it() {
    let f = fixture();
    let w = f.open();
    let answer = w.add_checkpoint(&f.request(0, 3));
    assert_eq!(answer.status, 200, "{answer:?}");
    let note = split_note(&format!("{}{}", f.note_of(&f.leaves[..3]), answer.body)).unwrap();
    let verifier = WitnessVerifier::parse(&w.vkey()).unwrap();
    assert_eq!(cosigned_by(&note, &verifier), Cosigned::At(T));
    let state = w.state(ORIGIN).unwrap().unwrap();
    assert_eq!((state.size, state.root), (3, hex::encode(root(&f.leaves[..3]))));
}

#[test]
fn extends_only_with_a_valid_consistency_proof() {
    let f = fixture();
    let w = f.open();
    assert_eq!(w.add_checkpoint(&f.request(0, 3)).status, 200);
    let mut bad = AddCheckpoint::parse(&f.request(3, 7)).unwrap();
    bad.proof[0][0] ^= 1;
    assert_eq!(w.add_checkpoint(bad.to_body().as_bytes()).status, 422);
    assert_eq!(w.state(ORIGIN).unwrap().unwrap().size, 3, "a refused request changes nothing");
    assert_eq!(w.add_checkpoint(&f.request(3, 7)).status, 200);
    assert_eq!(w.add_checkpoint(&f.request(7, 7)).status, 200, "the same tree again is cosigned again");
    assert_eq!(w.state(ORIGIN).unwrap().unwrap().size, 7);
}

#[test]
fn never_goes_back_nor_forks() {
    let f = fixture();
    let w = f.open();
    assert_eq!(w.add_checkpoint(&f.request(0, 7)).status, 200);
    // A client that believes an older size is told the witness's size.
    assert_eq!(w.add_checkpoint(&f.request(0, 3)), conflict(7));
    assert_eq!(w.add_checkpoint(&f.request(3, 5)), conflict(7));
    // The witness's own size as old, for a smaller tree: malformed.
    let smaller = AddCheckpoint { old: 7, proof: vec![], checkpoint: f.note_of(&f.leaves[..5]) };
    assert_eq!(w.add_checkpoint(smaller.to_body().as_bytes()).status, 400);
    // A fork: another tree of the same size.
    let mut forked = f.leaves[..7].to_vec();
    forked[6][0] ^= 1;
    let fork = AddCheckpoint { old: 7, proof: vec![], checkpoint: f.note_of(&forked) };
    assert_eq!(w.add_checkpoint(fork.to_body().as_bytes()), conflict(7));
    // A larger tree on top of the fork: its proof does not reach our root.
    let mut longer = forked.clone();
    longer.extend_from_slice(&f.leaves[7..9]);
    let on_fork = AddCheckpoint { old: 7, proof: consistency_proof(&longer, 7), checkpoint: f.note_of(&longer) };
    assert_eq!(w.add_checkpoint(on_fork.to_body().as_bytes()).status, 422);
    assert_eq!(w.state(ORIGIN).unwrap().unwrap().root, hex::encode(root(&f.leaves[..7])));
}

#[test]
fn the_state_survives_a_restart() {
    let f = fixture();
    {
        let w = f.open();
        assert_eq!(w.add_checkpoint(&f.request(0, 7)).status, 200);
    }
    let w = f.open();
    assert_eq!(w.add_checkpoint(&f.request(0, 3)), conflict(7));
    assert_eq!(w.add_checkpoint(&f.request(7, 9)).status, 200);
}

#[test]
fn unknown_logs_and_keys_are_refused() {
    let f = fixture();
    let w = f.open();
    let (other_skey, other_vkey) = note::generate_keys("fairdraw.test/other").unwrap();
    let text = note::checkpoint_text("fairdraw.test/other", 1, &f.leaves[0]);
    let unknown = AddCheckpoint { old: 0, proof: vec![], checkpoint: note::sign(&text, &other_skey).unwrap() };
    assert_eq!(w.add_checkpoint(unknown.to_body().as_bytes()).status, 404);
    // Our origin, signed by a key the witness does not trust for it.
    let (impostor, _) = note::generate_keys(ORIGIN).unwrap();
    let text = note::checkpoint_text(ORIGIN, 1, &f.leaves[0]);
    let forged = AddCheckpoint { old: 0, proof: vec![], checkpoint: note::sign(&text, &impostor).unwrap() };
    assert_eq!(w.add_checkpoint(forged.to_body().as_bytes()).status, 403);
    // A note whose text was changed after signing.
    let edited = f.note_of(&f.leaves[..1]).replacen("\n1\n", "\n2\n", 1);
    let edited = AddCheckpoint { old: 0, proof: vec![], checkpoint: edited };
    assert_eq!(w.add_checkpoint(edited.to_body().as_bytes()).status, 403);
    for body in [&b"old 0\n\nnot a note"[..], b"", b"old x\n\n"] {
        assert_eq!(w.add_checkpoint(body).status, 400, "{:?}", String::from_utf8_lossy(body));
    }
    assert!(w.state(ORIGIN).unwrap().is_none(), "nothing was cosigned");
    drop(other_vkey);
}

#[test]
fn one_process_per_directory_and_damaged_state_stops_it() {
    let f = fixture();
    let w = f.open();
    assert_eq!(w.add_checkpoint(&f.request(0, 2)).status, 200);
    let second = Witness::open(&f.path, std::slice::from_ref(&f.vkey), WitnessClock::Fixed(T));
    assert!(matches!(second, Err(WitnessError::Busy(_))));
    drop(w);
    let state = f.path.join(Witness::state_name(ORIGIN));
    std::fs::write(&state, b"{\"origin\":").unwrap();
    let damaged = Witness::open(&f.path, std::slice::from_ref(&f.vkey), WitnessClock::Fixed(T));
    assert!(matches!(damaged, Err(WitnessError::State { .. })), "{:?}", damaged.err());
}

#[test]
fn init_never_overwrites_a_key_and_keeps_it_private() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture();
    let mode = std::fs::metadata(f.path.join(KEY_FILE)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(matches!(init(&f.path, "w.test/one"), Err(WitnessError::Exists(_))));
    assert!(matches!(init(&f.path.join("sub"), "bad name"), Err(WitnessError::Name(_))));
}

#[test]
fn the_http_answers_carry_the_spec_content_types() {
    use tower::ServiceExt;
    let f = fixture();
    let app = router(std::sync::Arc::new(f.open()));
    let post = |body: Vec<u8>| {
        let request = axum::http::Request::post("/add-checkpoint").body(axum::body::Body::from(body)).unwrap();
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let content_type = response.headers()[axum::http::header::CONTENT_TYPE].to_str().unwrap().to_string();
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
            (status, content_type, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (status, _, body) = runtime.block_on(post(f.request(0, 4)));
    assert_eq!(status, 200);
    assert!(body.starts_with("— w.test/one ") && body.ends_with('\n'), "{body:?}");
    let (status, content_type, body) = runtime.block_on(post(f.request(0, 2)));
    assert_eq!((status, content_type.as_str(), body.as_str()), (409, SIZE_CONTENT_TYPE, "4\n"));
}
