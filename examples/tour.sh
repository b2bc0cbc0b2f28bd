#!/bin/sh
# A first session with funnel, in a throwaway database (your own is untouched).
set -eu
FUNNEL_DB="$(mktemp -d)/tour.db"
export FUNNEL_DB

funnel add "Acme renewal" --org Acme --value 4800 --follow-up tomorrow
funnel add "Globex pilot" --org Globex --value "€1.200,50" --tag priority
funnel move 1 demo --note "demo booked"
funnel won 1
funnel lost 2 --reason "no budget this year"

echo "--- all deals"
funnel list --status all
echo "--- won deals as CSV"
funnel list --status won --format csv
echo "--- history of deal 1 (JSON, one event per line)"
funnel show 1 --format json | python3 -c '
import json, sys
for event in json.load(sys.stdin)["history"]:
    print(event["from_stage"], "->", event["to_stage"])
'
