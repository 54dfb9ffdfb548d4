#!/usr/bin/env bash
# Builds the workspace's docs so that links between its crates always resolve, then fails when a
# rendered page still shows an intra-doc link as literal text (`[loyalty_core::LoyaltyError]`).
#
# Why the first step: rustdoc links an item of another crate only when that crate's directory
# already exists under target/doc when rustdoc starts; cargo documents the crates in parallel, so
# on a fresh machine a crate documented before loyalty-core shows `[LoyaltyError::Blocked]` as
# plain text, with no warning. Creating every crate's directory first makes the links relative
# and deterministic. `-D warnings` covers links that do not resolve at all.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every workspace member's crate name (the `name` of its [package], `-` becomes `_`).
members=$(sed -n 's/^members *= *\[\(.*\)\]/\1/p' Cargo.toml | tr -d '" ' | tr ',' ' ')
crates=()
for dir in $members; do
    name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$dir/Cargo.toml" | head -n 1)
    crates+=("${name//-/_}")
    mkdir -p "target/doc/${name//-/_}"
done
if [ "${#crates[@]}" -lt 10 ]; then
    echo "doc links: could not read the workspace members from Cargo.toml" >&2
    exit 1
fi

# One crate at a time: cargo removes a crate's doc directory just before documenting it, so in a
# parallel `cargo doc --workspace` a crate documented at that moment is missing for the others and
# their links to it are rendered as text (it failed CI once on a clean machine). Sequentially, every
# other crate's directory exists whenever rustdoc starts, in any order.
for c in "${crates[@]}"; do
    RUSTDOCFLAGS="-D warnings" cargo doc -p "${c//_/-}" --no-deps --quiet
done

# The rendered prose of our crates' pages, without code, scripts and the docs of blanket
# implementations of other crates' traits (their links point into crates not documented here).
pages=()
for c in "${crates[@]}"; do
    while IFS= read -r -d '' f; do pages+=("$f"); done < <(find "target/doc/$c" -name '*.html' -print0)
done
perl -e '
    my $bad = 0;
    for my $f (@ARGV) {
        open my $fh, "<", $f or die "$f: $!";
        local $/; my $html = <$fh>; close $fh;
        # A page without a link into our sources documents an item of another crate that is
        # re-exported here (loyalty_core::Decimal): its links belong to that crate.
        next unless $html =~ m{href="(?:\.\./)+src/};
        $html =~ s{<h2 id="blanket-implementations".*}{}s;
        $html =~ s{<(pre|script)\b.*?</\1>}{}gs;
        $html =~ s{<(h[1-6]) [^>]*class="code-header".*?</\1>}{}gs;
        $html =~ s{<a\b[^>]*>.*?</a>}{}gs;
        my @found;
        # [`Item`] left as text: a code span in brackets.
        push @found, $1 while $html =~ /(\[<code>[^<]*<\/code>\](?!\())/g;
        # [Item] and [path::Item] left as text, outside code.
        (my $prose = $html) =~ s{<code>.*?</code>}{}gs;
        $prose =~ s{<[^>]*>}{}g;
        push @found, $1 while $prose =~ /(\[(?:[A-Za-z_][A-Za-z0-9_]*::)+[A-Za-z_][A-Za-z0-9_]*\]|\[[A-Z][A-Za-z0-9_]*\])(?!\()/g;
        for my $link (@found) {
            $link =~ s{</?code>}{`}g;
            print "$f: unresolved link rendered as text: $link\n";
            $bad = 1;
        }
    }
    exit $bad;
' "${pages[@]}"
echo "doc links: ${#pages[@]} pages, every intra-doc link resolved"
