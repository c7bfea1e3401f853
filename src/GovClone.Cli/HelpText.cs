using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace GovClone.Cli;

/// <summary>The levers' help: what <c>govclone LEVER --help</c> adds under System.CommandLine's own, and the root help's footer.</summary>
public static partial class GovCloneCli
{
    /// <summary>
    /// What a lever's help adds under System.CommandLine's own (the root listing shows only the one-line
    /// descriptions): how it works and what it asks. Tests hold these against what the levers do.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string> Details = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["up"] = """
            Clones only when the clone is absent, incomplete or of another
            govclone:cloneGeneration; seeds only when the suite differs from
            govclone:seedProfile. Production: every govclone session there is checked
            read-only (one that wrote fails the run); what other sessions changed
            meanwhile is named, not a failure.
            """,
        ["clone"] = """
            How (govclone:cloneMethod, default auto): the ready spare <clone>_spare
            swapped in by name when there is one (a copy of the retained template
            made ahead of time), else a FILE_COPY of the retained template
            <clone>_template when it is current (production is not read), else
            streams: one snapshot of the source, a binary COPY per big table,
            pg_dump --section=data for the rest, indexes in parallel lanes. Explicit
            only: dump (the runbook's plain pg_dump | psql), template, source-template.
            A copy is built in <clone>_next and swapped in when complete; the clone
            stays usable until then. Then `govclone spare` runs in the background.
            --force asks for the clone's name on a terminal; otherwise it needs -y.
            """,
        ["seed"] = """
            Runs sql/seed_committed_state.sql on the clone (--profile baseline:
            sql/reset_in_place.sql). --profile baseline and --purge-foreign discard
            state: they ask for the clone's name on a terminal; otherwise they need -y.
            """,
        ["reset"] = """
            Runs sql/reset_in_place.sql on the clone (--purge-foreign: first
            sql/purge_foreign_rows.sql). Asks for the clone's name on a terminal;
            otherwise it needs -y/--yes.
            """,
        ["compact"] = "Runs sql/compact.sql on the clone.",
        ["drop"] = "Asks for the clone's name on a terminal; otherwise it needs -y/--yes.",
        ["spare"] = """
            Under its own lock (seed, verify and the rest run meanwhile): drops a
            clone a re-clone retired (<clone>_old), then makes <clone>_spare, a
            FILE_COPY of the current retained template, marked ready last, when
            govclone:keepSpare allows; then <clone>_bspare, the ready branch spare
            that branch create renames, when govclone:keepBranchSpare allows and the
            branch budget has room. clone, clone --force, up and branch create start
            it in the background.
            """,
        ["branch"] = """
            A branch <clone>_NAME is a FILE_COPY of the retained template (production
            is not read), seeded and verified; create renames the ready branch spare
            <clone>_bspare instead when there is one (govclone:keepBranchSpare); its
            levers take the branch's own lock, never the clone's. Budget:
            govclone:maxBranches, branchMinFreeBytes.
            seed, reset and verify take --branch NAME. drop and gc ask on a
            terminal; otherwise they need -y/--yes.
            """,
    };

    /// <summary>System.CommandLine's own help; under the root's the settings and exit-code lines, under a lever's its <see cref="Details"/>.</summary>
    private sealed class HelpWithFooter(HelpAction help) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var exit = help.Invoke(parseResult);
            var command = parseResult.CommandResult.Command;
            var output = parseResult.InvocationConfiguration.Output;
            if (command is RootCommand)
            {
                output.WriteLine(RootFooter.TrimEnd());
            }
            else if (command.Parents.FirstOrDefault() is RootCommand && Details.TryGetValue(command.Name, out var details))
            {
                output.WriteLine(details.TrimEnd());
            }

            return exit;
        }
    }
}
