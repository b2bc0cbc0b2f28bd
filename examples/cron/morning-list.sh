#!/bin/sh
# The morning follow-up list: overdue, due today, and open deals with no next
# step, from `funnel due` (plain text, one line per deal, when piped).
#
# Mails the list when MORNING_MAILTO is set and a `mail` command exists;
# otherwise writes it to MORNING_FILE, or to stdout (which cron mails to its
# own MAILTO). An empty list sends and writes nothing.
#
#   MORNING_MAILTO        address to mail the list to
#   MORNING_MAIL          the mail command (default: mail; called as `mail -s SUBJECT TO`)
#   MORNING_FILE          file to write the list to (removed when the list is empty)
#   MORNING_WITHIN        also list follow-ups due in the next N days (default 0)
#   MORNING_OWNER         only this owner's deals
#   MORNING_ONLY_OVERDUE  1: report only on days when something is overdue
#   FUNNEL_DB             which database (as for funnel itself)
#
# Exit status: 0 when the list was sent, written or empty; otherwise the exit
# status of the `funnel` or mail command that failed.
set -u

list=$(mktemp) || exit 1
trap 'rm -f "$list"' EXIT
trap 'exit 1' HUP INT TERM

set -- due --check --within "${MORNING_WITHIN:-0}"
if [ -n "${MORNING_OWNER:-}" ]; then
    set -- "$@" --owner "$MORNING_OWNER"
fi

# --check: exit 3 means "listed, and something is overdue"; 0 "listed".
funnel "$@" >"$list"
status=$?
case $status in
0) overdue=no ;;
3) overdue=yes ;;
*)
    echo "morning-list: funnel due failed (exit $status)" >&2
    exit "$status"
    ;;
esac

if [ ! -s "$list" ] || { [ "${MORNING_ONLY_OVERDUE:-0}" = 1 ] && [ "$overdue" = no ]; }; then
    # Nothing to do today: no mail, no file (an old list would mislead).
    if [ -n "${MORNING_FILE:-}" ]; then
        rm -f "$MORNING_FILE" || exit 1
    fi
    exit 0
fi

# Piped, `funnel due` prints a header line, then one line per deal; past 20
# deals with no next step, the first 20 and a line counting the others
# ("1,234 more with no next step: …").
more=$(sed -n 's/^\([0-9][0-9,]*\) more with no next step:.*/\1/p' "$list" | tr -d ,)
lines=$(wc -l <"$list")
if [ -n "$more" ]; then
    deals=$((lines - 2 + more))
else
    deals=$((lines - 1))
fi
late=$(grep -c '^overdue' "$list")
subject="Follow-ups: $deals deal$([ "$deals" -eq 1 ] || echo s), $late overdue"

mailer=${MORNING_MAIL:-mail}
if [ -n "${MORNING_MAILTO:-}" ]; then
    if command -v "$mailer" >/dev/null 2>&1; then
        "$mailer" -s "$subject" "$MORNING_MAILTO" <"$list"
        exit $?
    fi
    echo "morning-list: no '$mailer' command; writing the list instead of mailing it" >&2
fi

if [ -n "${MORNING_FILE:-}" ]; then
    # Written next to the target, under a name mktemp makes up (never one a
    # planted symlink could sit at), and renamed: a reader never sees half a list.
    tmp=$(mktemp "$MORNING_FILE.XXXXXX") || exit 1
    { echo "$subject" && cat "$list"; } >"$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$MORNING_FILE" || {
        rm -f "$tmp"
        exit 1
    }
else
    echo "$subject"
    cat "$list"
fi
