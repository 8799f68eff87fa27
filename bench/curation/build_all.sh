#!/bin/bash
# Build every source in /work/shared/data (seed 0), then dialogues + check.
# Usage: runs/build_all.sh OUTDIR [extra build options, e.g. --no-similarity --no-fluency]
O=${1:-runs/all}; shift
EXTRA="$@"
D=${DATA:-../shared/data}
cd "$(dirname "$0")/../.."
mkdir -p $O
while read name path opts; do
  PYTHONPATH=src python -m asktoact.cli build $name $path $opts --out $O/$name/ic --seed 0 $EXTRA > $O/$name.build.log 2>&1 || { echo "build $name failed"; tail -5 $O/$name.build.log; continue; }
  PYTHONPATH=src python -m asktoact.cli dialogues $O/$name/ic/ic_records.jsonl --out $O/$name/dlg --seed 0 > $O/$name.dlg.log 2>&1
  PYTHONPATH=src python -m asktoact.cli check $O/$name/dlg/dialogues.jsonl > $O/$name.check.log 2>&1
  echo "$name: $(tail -1 $O/$name.check.log)"
done <<LIST
bfcl $D/bfcl --exclude-eval-only
acebench $D/acebench
sealtools $D/toolbench_style/sealtool.json
toolalpaca $D/toolbench_style/toolalpaca.json
taskbench $D/taskbench
LIST
