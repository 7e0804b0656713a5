// Package disk writes a rendered tree (tree.Tree) into an output folder
// (Write), compares it with one (Compare, for `fleetc check`) and reads a
// folder's index (ReadIndex). It is where the render touches the output
// folder; the tree and its index are package tree's.
// The layout and its guarantees, as users see them, are in
// docs/output.md.
//
// # Index and ownership
//
// WithIndex adds .fleetc/index.json, listing the sha256 of every other
// file. The index marks an output folder as fleetc's and says which files
// fleetc owns there. Write:
//   - creates a missing folder (and its parents); a folder holding nothing
//     but ".git" and/or ".fleetc" (without index) counts as empty;
//   - refuses any other folder without a valid index (ErrForeignDir);
//   - writes each file of the tree whose bytes on disk differ (bytes are
//     compared, not digests, so hand edits are repaired), including a
//     file at a tree path that the old index did not list;
//   - removes the files the old index lists that the tree no longer has,
//     then the folders this left empty — and no other file: files that
//     neither index lists are left alone and reported (WriteStats.Foreign);
//   - never looks into a top-level ".git", never follows a symlink (a
//     symlink at a file's path is replaced, one in place of a folder is an
//     error), and fails rather than delete a folder or foreign file that
//     is in the way of the tree.
//
// # Atomicity: staging, then a journaled commit
//
// Write first plans (reads and compares everything, changes nothing),
// then stages every new or changed file in .fleetc/tmp-XXXX/, then
// commits with renames: removed files are moved into the staging area,
// new and changed files are moved into place in path order, and the index
// is moved in last. Each rename is journaled; if any step fails, the
// journal is undone in reverse and the staging area deleted.
//
// A new folder moves in whole with one rename (a new cluster; the whole
// tree on a first Write). A changed file is replaced by one rename over
// it, its old version kept as a hard link in the staging area (falling
// back to moving it there where hard links are unsupported). So Write
// costs O(changed files) metadata operations; an unchanged re-render
// reads every file and writes nothing.
//
// The staging area lives inside the output folder, under .fleetc/, rather
// than next to it as a sibling ("<dir>.fleetc-tmp-XXXX"): it is then on
// the same filesystem even when the output folder is a mount point (a
// container volume), it needs no write access to the parent, and what a
// crash leaves behind is inside fleetc's own folder, where the next Write
// finds and removes it. Building a complete new folder and swapping it in
// was rejected: it costs a copy or hard link of every unchanged and every
// foreign file (400,000 operations when nothing changed), replaces the
// folder's inode under shells and watchers, fails on a mount point, and an
// atomic swap of two folders exists only on Linux (renameat2
// RENAME_EXCHANGE); two plain renames leave a moment with no folder.
//
// Write takes an exclusive flock on the output folder (where supported),
// so two concurrent Writes fail fast instead of interleaving; the kernel
// releases it if the process dies.
//
// # Crash-safety guarantee
//
// Exactly this:
//   - Any failure Write detects (I/O error, full disk, permission, a path
//     in the way) leaves the previous tree intact byte for byte: the same
//     files with the same bytes and modes; foreign files untouched. Only
//     directory timestamps may change. If undoing itself fails (e.g. the
//     filesystem went read-only), the error says so and names the staging
//     area holding the previous files.
//   - If the process dies (kill -9, OOM) during staging, nothing outside
//     .fleetc/ has changed. If it dies during the commit, the folder is a
//     mix of old and new files, each one complete (rename is atomic; a
//     replaced file is never absent, even briefly, where hard links work;
//     a removed file is gone). The old index stays until the last rename,
//     so the folder is still recognized as fleetc's; and the staging area,
//     which stays behind, holds the planned index, which the next Write
//     reads: the files it lists count as owned, so that Write — with the
//     same tree or any other — converges to its own tree without leaving
//     orphans, and then removes the stale staging area (only on success, so
//     the evidence survives a failed attempt). Compare reports such a mix as
//     drift, the leftover staging files included.
//   - No fsync is issued: not per file (400,000 fsyncs would dominate the
//     render), nor once at the end (no portable way to sync one
//     filesystem). After a power loss or kernel crash, recently written
//     files may be lost or, on some filesystems, empty. The render is a
//     pure function of the config repository and git is the durable copy:
//     re-run render, and `fleetc check` detects any damage.
//
// Files are created with mode 0644 and folders with 0755 (before the
// umask); nothing Write produces contains a timestamp.
//
// # Performance
//
// Digests are computed once per file, in parallel, by WithIndex; Write
// and Compare compare bytes directly, reading files on a few goroutines
// with one reusable buffer each, and skip the read when the size differs.
// The disk is scanned once with unsorted directory reads.
package disk
