# bash completion for cctrial(1).
#
# Installed as share/bash-completion/completions/cctrial, where the
# bash-completion package loads it on first use; it needs nothing from that
# package, so `source` it by hand elsewhere.  Plugin names come from the
# cctrial being completed (`cctrial --list-plugins`), so plugins on the
# project's plugin_path are offered too; test names are the packages and
# modules under the current directory.

_cctrial_options="--jobs= --forever --grep= --verbose --smart --cwd --hook
    --since= --once --list-selected --config= --no-config --print-config
    --trust-project --python= --reporters= --notifier= --selector= --timeout= --worker=
    --temp-directory= --watcher= --template=
    --list-plugins --help --version
    --reactor= --force-gc --disablegc --recursionlimit= --without-module=
    --coverage --logfile= --unclean-warnings --tbformat= --help-reporters"
# trial's options that shape a run.
_cctrial_options+=" --exitfirst --until-failure --random= --order=
    --rterrors --testmodule= -x -u -z -o -e"
# Splitting a run between machines (the history).
_cctrial_options+=" --shard="

# The names of the plugins of one kind ($2) that the cctrial program $1
# finds.
_cctrial_plugins()
{
    "$1" --list-plugins 2>/dev/null |
        while read -r kind name _; do
            [ "$kind" = "$2" ] && printf '%s\n' "$name"
        done
}

# Dotted package and module names under the current directory: "pkg." is
# offered for a package so that the user can go on to its modules.
_cctrial_test_names()
{
    local cur=$1 dir="." prefix=""
    if [[ $cur == *.* ]]; then
        prefix=${cur%.*}.
        dir=${prefix%.}
        dir=${dir//./\/}
    fi
    local entry base
    for entry in "$dir"/*; do
        base=${entry##*/}
        if [[ -d $entry && -f $entry/__init__.py ]]; then
            printf '%s\n' "$prefix$base" "$prefix$base."
        elif [[ $base == *.py && $base != __init__.py ]]; then
            printf '%s\n' "$prefix${base%.py}"
        fi
    done
}

# No space after a reply "pkg.": a package may go on with one of its
# modules.
_cctrial_package_nospace()
{
    local reply
    for reply in "${COMPREPLY[@]}"; do
        if [[ $reply == *. ]]; then
            compopt -o nospace 2>/dev/null
            return
        fi
    done
}

# The values an option takes, one word each, for compgen -W; empty when
# they cannot be listed (numbers, text), "!files" for file names.
_cctrial_values()
{
    local program=$1 option=$2
    case $option in
    --config | --python | --temp-directory) echo '!files' ;;
    --since) echo "HEAD~1 $(git for-each-ref --format='%(refname:short)' \
                 2>/dev/null)" ;;
    -j | --jobs) echo "auto 1 2 4 8" ;;
    --worker) echo "stock fast" ;;
    --watcher) echo "inotify libuv" ;;
    -o | --order) echo "alphabetical toptobottom" ;;
    --testmodule) echo '!files' ;;
    --reactor | -r) echo "asyncio epoll poll select default" ;;
    --tbformat) echo "plain emacs cgitb" ;;
    --logfile | -l) echo '!files' ;;
    --template) echo "true false" ;;
    --notifier) echo "auto none $(_cctrial_plugins "$program" notifier)" ;;
    --selector) _cctrial_plugins "$program" selector ;;
    --reporters) _cctrial_plugins "$program" reporter ;;
    esac
}

_cctrial()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=${COMP_WORDS[COMP_CWORD-1]}
    local program=${COMP_WORDS[0]}
    local keep="" # what stays in front of each reply
    COMPREPLY=()

    # bash splits a long option from its "=value" (COMP_WORDBREAKS): join
    # them again.
    if [[ $cur == = ]]; then
        cur=""
    elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    elif [[ $cur == --*=* ]]; then
        prev=${cur%%=*}
        keep=$prev=
        cur=${cur#*=}
    fi

    local words
    if [[ ${COMP_WORDS[1]} == history && $COMP_CWORD -ge 2 ]]; then
        # history [--json] [--limit=N]
        [[ $cur == -* ]] &&
            mapfile -t COMPREPLY < <(compgen -W "--json --limit=" -- "$cur")
        [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] &&
            compopt -o nospace 2>/dev/null
        return
    fi
    if [[ ${COMP_WORDS[1]} == install-hook && $COMP_CWORD -ge 2 ]]; then
        # install-hook [--force] [TEST_NAME]...
        if [[ $cur == -* ]]; then
            words="--force"
        else
            words=$(_cctrial_test_names "$cur")
        fi
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
        _cctrial_package_nospace
        return
    fi

    case $prev in
    -j | --jobs | -g | --grep | --timeout | --config | --python | --since | \
    -z | --random | -o | --order | --testmodule | --temp-directory | \
    --worker | --watcher | --template | --notifier | --selector | \
    --reporters | -r | --reactor | \
    --recursionlimit | --without-module | -l | --logfile | --tbformat | \
    --shard)
        local values
        values=$(_cctrial_values "$program" "$prev")
        if [[ $values == '!files' ]]; then
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return
        fi
        # --reporters takes a comma-separated list: complete its last word.
        if [[ $prev == --reporters && $cur == *,* ]]; then
            keep=$keep${cur%,*},
            cur=${cur##*,}
        fi
        mapfile -t COMPREPLY < <(compgen -P "$keep" -W "$values" -- "$cur")
        return ;;
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$_cctrial_options -j -f -g -v
            -s -c -H -h -V -r -l" -- "$cur")
        [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] &&
            compopt -o nospace 2>/dev/null
        return
    fi

    words=$(_cctrial_test_names "$cur")
    [[ $COMP_CWORD -eq 1 ]] && words="install-hook history $words"
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
    _cctrial_package_nospace
}

complete -F _cctrial cctrial
