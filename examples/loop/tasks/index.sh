#!/usr/bin/env bash
# List the files of a folder with their line counts.
# ---
# inputs:
#   folder: {type: data_folder, description: Folder to index}
# outputs:
#   -o: {type: txt, description: One line per file with its line count}
# ---
set -euo pipefail
folder=$1 out=$3
mkdir -p "$(dirname "$out")"
for f in "$folder"/*; do
	printf '%s %s\n' "$(basename "$f")" "$(wc -l <"$f")"
done >"$out"
echo "indexed $(wc -l <"$out") file(s)"
