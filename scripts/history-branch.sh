#!/usr/bin/env bash
# Keeps the nightly history store in a git branch, so that it lasts (the
# Actions cache is evicted after 7 days unused) and can be read by anyone.
#
#   scripts/history-branch.sh checkout DIR   DIR becomes a work tree of the
#                                            branch (an empty one, on an
#                                            orphan branch, the first time)
#   scripts/history-branch.sh push DIR       commit DIR's changes and push them,
#                                            merging with nights pushed meanwhile
#
# The branch holds the store in DIR/history (index.json and runs/<night>/,
# each night's report beside its run). Nights pushed at the same time (two
# architectures, or two workflow runs) must not lose one another: when the
# push is refused, push fetches the branch, resets to it, brings this job's
# nights back in with `zbench history merge` (a union of the two stores: a
# night is never dropped, and one both hold is kept once), commits and
# tries again, up to HISTORY_TRIES times with a growing pause.
#
# Environment (defaults in brackets):
#   HISTORY_BRANCH  the branch [zbench-history]
#   HISTORY_URL     the repository [this checkout's origin]
#   HISTORY_TOKEN   a token for fetch and push, passed to git in its
#                   environment only (never written to DIR/.git/config) [none]
#   HISTORY_TRIES   pushes tried [5]
#   ZBENCH          the zbench binary, for push [built from this tree]
#   HISTORY_MESSAGE the commit message [nightly: the runs added]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
log() { printf 'history-branch: %s\n' "$*" >&2; }
usage() {
	log "usage: $0 checkout|push DIR"
	exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
branch=${HISTORY_BRANCH:-zbench-history}
tries=${HISTORY_TRIES:-5}

# g runs git with the token, if any, in its environment.
g() {
	if [ -n "${HISTORY_TOKEN:-}" ]; then
		local auth
		auth=$(printf 'x-access-token:%s' "$HISTORY_TOKEN" | base64 -w0)
		GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraheader GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $auth" git "$@"
	else
		git "$@"
	fi
}
# commit commits everything in the work tree; false when there is nothing.
commit() {
	git add -A
	if git diff --cached --quiet; then
		return 1
	fi
	git -c user.name="${GIT_AUTHOR_NAME:-zbench nightly}" \
		-c user.email="${GIT_AUTHOR_EMAIL:-41898282+github-actions[bot]@users.noreply.github.com}" \
		commit -q -m "$1"
}

case $cmd in
checkout)
	url=${HISTORY_URL:-$(git -C "$root" remote get-url origin)}
	mkdir -p "$dir"
	cd "$dir"
	git init -q
	git remote remove origin 2>/dev/null || true
	git remote add origin "$url"
	if g ls-remote --exit-code --heads origin "$branch" >/dev/null; then
		g fetch -q --depth=1 origin "$branch"
		git checkout -q -B "$branch" FETCH_HEAD
		log "checked out $branch ($(git rev-parse --short HEAD)) into $dir"
	else
		git checkout -q --orphan "$branch"
		log "$branch does not exist yet: $dir starts it"
	fi
	;;
push)
	cd "$dir"
	zb=${ZBENCH:-}
	if [ -z "$zb" ]; then
		zb=$(mktemp -d)/zbench
		(cd "$root" && go build -o "$zb" ./cmd/zbench)
	fi
	msg=${HISTORY_MESSAGE:-nightly}
	if ! commit "$msg"; then
		log "nothing to push"
		exit 0
	fi
	errs=$(mktemp)
	for try in $(seq 1 "$tries"); do
		if g push -q origin "HEAD:refs/heads/$branch" 2>"$errs"; then
			log "pushed $(git rev-parse --short HEAD) to $branch"
			exit 0
		fi
		cat "$errs" >&2
		[ "$try" = "$tries" ] && break
		log "push $try of $tries refused: merging with the nights pushed meanwhile"
		sleep $((try * 2 + RANDOM % 5))
		g fetch -q --depth=1 origin "$branch"
		ours=$(mktemp -d)
		cp -a history "$ours/history"
		git reset -q --hard FETCH_HEAD
		"$zb" history merge -store history "$ours/history"
		rm -rf "$ours"
		commit "$msg (merged)" || log "nothing of ours was missing upstream"
	done
	log "could not push to $branch after $tries tries"
	exit 1
	;;
*)
	usage
	;;
esac
