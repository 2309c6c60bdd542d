#!/bin/sh
# mkwordlist.sh regenerates wordlist.txt, the 4096-word list that
# Passphrase embeds. It is not run by the build; run it by hand after
# changing the filters below, then commit both files.
#
#   apt-get install -y wamerican scowl   # Debian/Ubuntu
#   sh crypto/gen/mkwordlist.sh > crypto/gen/wordlist.txt
#
# Source and filters:
#   * Words come only from wamerican (/usr/share/dict/american-english).
#   * Kept: lowercase ASCII a-z only, 3 to 8 letters. This drops proper
#     nouns (capitalised), possessives ('s), accented and hyphenated words.
#   * Dropped: the BLOCK list below (profanity, slurs, sexual, drug and
#     violent terms) together with their inflections (-s, -es, -d, -ed,
#     -er, -ers, -ing, -ings, -y, -ly, doubled final consonant, dropped
#     final e), and anything containing one of the ROOTS fragments.
#   * Preference: scowl's size levels (10 = most common ... 95 = rarest)
#     rank commonness. Each word gets the smallest level it appears at
#     (99 if none). Words that are plain inflections of another kept word
#     (cats, walked, walking, tries) sort after base forms, so the list
#     favours distinct, common, short words. Sort key:
#     inflected, level, length, word; the first 4096 are kept and then
#     written in byte order, one per line.
#
# The output is deterministic for a given wamerican/scowl version
# (this list was made from Debian 12's 2020.12.07-2 packages).
set -eu
export LC_ALL=C

DICT=${DICT:-/usr/share/dict/american-english}
SCOWL=${SCOWL:-/usr/share/dict/scowl}
N=4096

[ -r "$DICT" ] || { echo "mkwordlist: $DICT missing (apt-get install wamerican)" >&2; exit 1; }
[ -d "$SCOWL" ] || { echo "mkwordlist: $SCOWL missing (apt-get install scowl)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Fragments: any word containing one is dropped.
ROOTS='fuck shit cunt nigg fag whore slut bitch rapist porn dildo penis vagina
 dick cock boob tits wank piss horny nazi'

# Exact words dropped.
BLOCK='abort abortion abuse abused abuser abusive addict anal anus arse ass
 asshole assault bastard bigot blood bloody bomb bombed bomber booze
 breast buttock condom corpse crap crappy crack cum damn damned
 dead deadly death die died dies dying drug drugs drunk drunken dumb dyke erotic
 fart fat fatso feces gay genital gun guns gunman hate hated hatred hell
 heroin homo hooker idiot idiotic incest jerk kill killed killer killing
 kills kinky lesbian lust lusty molest moron murder naked negro nipple nude
 nudity orgasm pee pervert pimp poop pregnant prick prostate pube pubic
 puke queer racism racist rape raped rapes retard retarded sadism sadist
 scum semen sex sexed sexes sexier sexism sexist sexual sexy slave slavery
 slaves sodomy sperm stab stupid suicide terror tit torture turd ugly
 urine vomit weapon weapons whiskey'

printf '%s\n' $ROOTS > "$tmp/roots"
printf '%s\n' $BLOCK | sort -u | awk '{
	w = $0; n = length(w); last = substr(w, n, 1)
	print "^" w "(s|es|d|ed|er|ers|ing|ings|y|ly)?$"
	print "^" w last "(ed|er|ers|ing|ings|y)$"
	if (last == "e") print "^" substr(w, 1, n-1) "(ing|ings)$"
}' > "$tmp/block"

grep -xE '[a-z]{3,8}' "$DICT" | sort -u |
	grep -v -F -f "$tmp/roots" |
	grep -v -E -f "$tmp/block" > "$tmp/base"

# word level, for the commonness levels scowl ships.
for lv in 10 20 35 40 50 55 60 70 80 95; do
	for f in "$SCOWL/english-words.$lv" "$SCOWL/american-words.$lv"; do
		[ -r "$f" ] && grep -xE '[a-z]{3,8}' "$f" | sed "s/\$/ $lv/" || true
	done
done > "$tmp/levels"

awk '
function has(s) { return (s in B) }
function inflected(w,   n) {
	n = length(w)
	if (w ~ /ie[sd]$/ && has(substr(w, 1, n-3) "y")) return 1
	if (w ~ /s$/ && w !~ /ss$/ && has(substr(w, 1, n-1))) return 1
	if (w ~ /es$/ && has(substr(w, 1, n-2))) return 1
	if (w ~ /ed$/ && (has(substr(w, 1, n-2)) || has(substr(w, 1, n-1)))) return 1
	if (w ~ /ing$/ && (has(substr(w, 1, n-3)) || has(substr(w, 1, n-3) "e"))) return 1
	if (w ~ /ed$/ && substr(w, n-2, 1) == substr(w, n-3, 1) && has(substr(w, 1, n-3))) return 1
	if (w ~ /ing$/ && substr(w, n-3, 1) == substr(w, n-4, 1) && has(substr(w, 1, n-4))) return 1
	return 0
}
FILENAME == ARGV[1] { if (!($1 in L)) L[$1] = $2; next }
{ B[$1] = 1 }
END {
	for (w in B) {
		lv = (w in L) ? L[w] : 99
		printf "%d %02d %d %s\n", inflected(w), lv, length(w), w
	}
}' "$tmp/levels" "$tmp/base" |
	sort -k1,1n -k2,2n -k3,3n -k4,4 |
	head -n "$N" |
	awk '{ print $4 }' |
	sort > "$tmp/out"

got=$(wc -l < "$tmp/out")
[ "$got" -eq "$N" ] || { echo "mkwordlist: only $got words" >&2; exit 1; }
cat "$tmp/out"
