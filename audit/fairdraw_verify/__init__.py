"""The independent verifier behind audit/verify.py, one module per section of
audit/SPEC.md (the draw) and audit/LOG-FORMAT.md (the log).

The draw (SPEC.md):
    report      §1 every problem at once, §10 exit codes and output
    tables      §1 reading tabular files (decoding, CSV, headers, §1.5 dates)
    registries  §1.1-§1.4 enterprises, inspectors, conflicts, the lists a plan names
    uscc        §2 the USCC check character
    ratio       §3.1 ratios
    plan        §3, §3.2, §3.3 the plan file and the canonical plan
    canonical   §4 canonical JSON (also the log's entries: LOG-FORMAT "Entries")
    snapshots   §5 registry leaves and their roots
    selection   §6 strata, §6.4 the feedback stratum, §7 tickets and target selection
    assignment  §8 inspector assignment
    methods     §8.6 off-site methods: method words, the effective method, slots
    draw        §9 the draw document from the inputs and a seed
    child       work on the second core: a function run in a forked child process
    document    §9.1 reading a draw document strictly, §10 comparing documents
    cli         §10 the command line of verify.py

The log (LOG-FORMAT.md):
    ed25519     RFC 8032 Ed25519 signature verification (pure Python)
    merkle      RFC 6962 / RFC 9162 Merkle trees, inclusion and consistency proofs
    note        C2SP signed notes, verifier keys and tlog checkpoints
    commitments "Abandoned and competing commitments"
    witness     "Witnesses and cosignatures"
    replay      check 10: every draw re-run from the log alone
    replacement "Replacing an inspector": rules 1-4, the teams of a draw
    feedback    "Feedback from results" (and SPEC §6.4): a commitment's log_feedback
    auditlog    `verify.py log DIR` and `verify.py receipt FILE`

Static publication (LOG-FORMAT "Static publication: tiles (C2SP tlog-tiles)"):
    tiles       tile, bundle and entry file names and bytes, the files a log has
    static      `verify.py log`'s check of those files (directory or mirror)
    fetch       `verify.py log URL`: a static mirror fetched over HTTP

Publication (LOG-FORMAT "Publication: protected and full logs, disclosures, embargo"):
    blinding    "Salts and blinded leaves": salts, blinds, states, blinded snapshots
    publication "What a public verifier checks": checks 1-6; the auditor's recomputed roots
    embargo     "Embargo (sealed draws)": the seal, China dates, a publication's match
    published   the part of `verify.py log` for protected logs, seals and publications
    disclosure  "Disclosures": `verify.py disclosure FILE`

Python standard library only.
"""
