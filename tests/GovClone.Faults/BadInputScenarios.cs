using System.Net;
using System.Net.Sockets;

namespace GovClone.Faults;

/// <summary>
/// Malformed configurations and arguments, each run through the real CLI against a converged clone: each
/// must exit non-zero with a message naming the setting (or what to fix), leave every database as it was,
/// and never print the password.
/// </summary>
public static class BadInputScenarios
{
    private sealed record Case(string Name, string[] Args, string Mentions, Dictionary<string, string?>? Env = null, string? StackFile = null);

    public static async Task RunAsync(FaultLab lab, FaultReport report, Action<string> log)
    {
        var work = lab.WorkDirectory;
        var loosePgpass = Path.Combine(work, "pgpass-0644");
        File.WriteAllText(loosePgpass, $"*:*:*:*:{lab.Password}\n");
        File.SetUnixFileMode(loosePgpass, (UnixFileMode)0b110_100_100);
        var unknownKey = Path.Combine(work, "Pulumi.unknown-key.yaml");
        lab.WriteStackFile(unknownKey, new Dictionary<string, string> { ["cloneDatabse"] = "directus_gov_test_typo" });
        var plainPassword = Path.Combine(work, "Pulumi.plain-password.yaml");
        lab.WriteStackFile(plainPassword, new Dictionary<string, string> { ["password"] = "hunter2-not-secret" });
        var diskFullBin = WriteDiskFullTools(lab);
        // argv and the environment cannot carry a NUL; a stack file can ("\0" in a double-quoted YAML string).
        var nulName = Path.Combine(work, "Pulumi.nul-name.yaml");
        lab.WriteStackFile(nulName, new Dictionary<string, string> { ["cloneDatabase"] = "directus_gov_test_x\0" });
        var noPassword = new Dictionary<string, string?> { ["GOVCLONE_PASSWORD"] = null };

        Case[] cases =
        [
            new("clone name without the prefix", ["up", "--clone-database", "prod_copy"], "govclone:cloneDatabase"),
            new("clone name with a misspelt prefix", ["up", "--clone-database", "directus_gov_tset_1"], "govclone:cloneDatabase"),
            new("clone name = the source's", ["up", "--clone-database", "directus"], "govclone:cloneDatabase"),
            new("clone = source, both prefixed", ["up", "--source-database", "directus_gov_test_x", "--clone-database", "directus_gov_test_x"], "govclone:cloneDatabase"),
            new("SQL injection, double quote", ["up", "--clone-database", "directus_gov_test_x\"; DROP DATABASE directus; --"], "govclone:cloneDatabase"),
            new("SQL injection, single quote", ["up", "--clone-database", "directus_gov_test_x'; DROP DATABASE directus; --"], "govclone:cloneDatabase"),
            new("SQL injection in the source name", ["up", "--source-database", "directus; DROP DATABASE directus"], "govclone:sourceDatabase"),
            new("clone name over 63 bytes", ["up", "--clone-database", "directus_gov_test_" + new string('a', 46)], "govclone:cloneDatabase"),
            new("unicode look-alike (Cyrillic e)", ["up", "--clone-database", "dir\u0435ctus_gov_test_1"], "govclone:cloneDatabase"),
            new("zero-width space in the name", ["up", "--clone-database", "directus_gov_test_\u200b1"], "govclone:cloneDatabase"),
            new("upper-case clone name", ["up", "--clone-database", "DIRECTUS_GOV_TEST_1"], "govclone:cloneDatabase"),
            new("clone name ending in a newline", ["up", "--clone-database", "directus_gov_test_x\n"], "govclone:cloneDatabase"),
            new("clone name ending in a newline, template given", ["up", "--clone-database", "directus_gov_test_x\n", "--template-database", "directus_gov_test_x_template"], "govclone:cloneDatabase"),
            new("clone name with a newline and a command", ["up", "--clone-database", "directus_gov_test_x\ntouch /tmp/govclone-pwned"], "govclone:cloneDatabase"),
            new("clone name ending in a carriage return", ["up", "--clone-database", "directus_gov_test_x\r"], "govclone:cloneDatabase"),
            new("clone name with a tab", ["up", "--clone-database", "directus_gov_test_\tx"], "govclone:cloneDatabase"),
            new("clone name with a NUL (stack file)", ["up"], "govclone:cloneDatabase", StackFile: nulName),
            new("clone name with a space", ["up", "--clone-database", "directus_gov_test_x y"], "govclone:cloneDatabase"),
            new("clone name ending in a space", ["up", "--clone-database", "directus_gov_test_x "], "govclone:cloneDatabase"),
            new("unicode look-alike after the prefix (Cyrillic x)", ["up", "--clone-database", "directus_gov_test_\u0445"], "govclone:cloneDatabase"),
            new("unicode look-alike (full-width digit)", ["up", "--clone-database", "directus_gov_test_\uff11"], "govclone:cloneDatabase"),
            new("clone name that is only the prefix", ["up", "--clone-database", "directus_gov_test_"], "has nothing after the prefix directus_gov_test_"),
            new("source name ending in a newline", ["up", "--source-database", "directus\n"], "govclone:sourceDatabase"),
            new("template name ending in a newline", ["up", "--template-database", FaultLab.Clone + "_template\n"], "govclone:templateDatabase"),
            new("empty clone name", ["up", "--clone-database", ""], "govclone:cloneDatabase"),
            new("empty source name", ["up", "--source-database", ""], "govclone:sourceDatabase"),
            new("port 0", ["up", "--port", "0"], "govclone:port"),
            new("port 70000", ["up", "--port", "70000"], "govclone:port"),
            new("port not a number", ["up", "--port", "fivefourthree"], "govclone:port"),
            new("unknown transport", ["up", "--transport", "ftp"], "govclone:transport"),
            new("ssh transport without a host", ["up", "--transport", "ssh"], "govclone:sshHost"),
            new("ssh host that is an ssh option", ["up", "--transport", "ssh", "--ssh-host", "-oProxyCommand=touch /tmp/pwned"], "govclone:sshHost"),
            new("docker container with shell syntax", ["up", "--transport", "docker", "--docker-container", "pg; rm -rf /"], "govclone:dockerContainer"),
            new("pgpass file that does not exist", ["up", "--pgpass-file", Path.Combine(work, "no-such-pgpass")], "govclone:pgpassFile", noPassword),
            new("pgpass file readable by others", ["up", "--pgpass-file", loosePgpass], "govclone:pgpassFile", noPassword),
            new("unreachable server", ["up", "--port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)], "govclone:host"),
            new("wrong password", ["up"], "GOVCLONE_PASSWORD", new() { ["GOVCLONE_PASSWORD"] = "not-the-password" }),
            new("no password at all", ["up"], "GOVCLONE_PASSWORD", noPassword),
            new("a source that does not exist", ["up", "--source-database", "directus_missing"], "govclone:sourceDatabase"),
            new("a maintenance database that does not exist", ["up", "--maintenance-database", "no_such_maintenance"], "govclone:maintenanceDatabase"),
            new("unknown seed profile", ["up", "--seed-profile", "everything"], "govclone:seedProfile"),
            new("not a boolean", ["up", "--production-rollout-landed", "maybe"], "govclone:productionRolloutLanded"),
            new("unknown follow-up", ["decide", "--follow-ups", "axis,bogus"], "govclone:followUps"),
            new("negative clone generation", ["up", "--clone-generation", "-1"], "govclone:cloneGeneration"),
            new("negative lock timeout", ["up", "--lock-timeout-seconds", "-5"], "govclone:lockTimeoutSeconds"),
            new("unknown ssl mode", ["up", "--ssl-mode", "sometimes"], "govclone:sslMode"),
            new("pg bin dir that does not exist", ["up", "--pg-bin-dir", Path.Combine(work, "no-such-bin")], "govclone:pgBinDir"),
            new("clone = the app's database", ["up", "--app-database", FaultLab.Clone], "govclone:appDatabase"),
            new("clone in the query tool's allowlist", ["up", "--query-allowlist", "directus," + FaultLab.Clone], "govclone:queryAllowlist"),
            new("a stack that does not exist", ["up", "--stack", "nope"], "Pulumi.nope.yaml", StackFile: ""),
            new("a misspelt key in the stack file", ["up"], "govclone:cloneDatabse", StackFile: unknownKey),
            new("a plain-text password in the stack file", ["up"], "govclone:password", StackFile: plainPassword),
            new("drop of a name without the prefix", ["drop", "--yes", "--clone-database", "prod_copy"], "govclone:cloneDatabase"),
            new("drop of the source", ["drop", "--yes", "--clone-database", "directus"], "govclone:cloneDatabase"),
            new("unknown option", ["up", "--clone-databse", FaultLab.Clone], "--clone-databse"),
            new("a misspelt key in -c", ["up", "-c", "cloneDatabse=directus_gov_test_typo"], "govclone:cloneDatabse"),
            new("a password in -c", ["up", "-c", "password=hunter2-not-secret"], "GOVCLONE_PASSWORD"),
            new("drop without --yes and without a terminal", ["drop"], "--yes"),
            new("reset without --yes and without a terminal", ["reset"], "--yes"),
            new("re-clone without --yes and without a terminal", ["clone", "--force"], "--yes"),
            new("unknown clone method", ["up", "--clone-method", "rsync"], "govclone:cloneMethod"),
            new("template name without the prefix", ["up", "--template-database", "directus_template"], "govclone:templateDatabase"),
            new("template name = the clone's", ["up", "--template-database", FaultLab.Clone], "govclone:templateDatabase"),
            new("template name = the source's", ["up", "--template-database", "directus"], "govclone:templateDatabase"),
            new("retainTemplate not a boolean", ["up", "--retain-template", "sometimes"], "govclone:retainTemplate"),
            new("unknown TOAST compression", ["up", "--toast-compression", "zstd"], "govclone:toastCompression"),
            new("zero clone jobs", ["up", "--clone-jobs", "0"], "govclone:cloneJobs"),
            new("maintenance_work_mem without a unit", ["up", "--maintenance-work-mem", "512"], "govclone:maintenanceWorkMem"),
            new("template re-clone without a template", ["clone", "--force", "--yes", "--clone-database", "directus_gov_test_notemplate", "--clone-method", "template"], "not a current template"),
            new("restore fails: disk full", ["clone", "--clone-database", "directus_gov_test_diskfull", "--pg-bin-dir", diskFullBin], "free space"),
            new("branch NAME ending in a newline", ["branch", "create", "pr1\n"], "NAME"),
            new("branch NAME with SQL injection", ["branch", "create", "x\"; DROP DATABASE directus; --"], "NAME"),
            new("branch NAME with a unicode look-alike", ["branch", "create", "pr\u0430"], "NAME"),
            new("branch NAME over 20 characters", ["branch", "create", new string('a', 21)], "NAME"),
            new("branch NAME that is the template's suffix", ["branch", "drop", "template", "--yes"], "NAME"),
            new("branch NAME ending in a companion suffix", ["branch", "create", "a_next"], "NAME"),
            new("branch owner with a space", ["branch", "create", "pr1", "--owner", "two words"], "--owner"),
            new("branch drop without --yes and without a terminal", ["branch", "drop", "pr1"], "--yes"),
            new("branch gc without --yes and without a terminal", ["branch", "gc", "--older-than", "1h"], "--yes"),
            new("branch gc with a bad duration", ["branch", "gc", "--older-than", "soon", "--yes"], "--older-than"),
            new("verify --branch with a bad NAME", ["verify", "--branch", "PR-1"], "NAME"),
            new("branchOf that is not the clone", ["status", "-c", "branchOf=directus_gov_test_other"], "govclone:branchOf"),
            // Families (issue 22): a name that is another family's or role's database, or that would collide with one.
            new("clone name ending in _spare (another clone's spare)", ["up", "--clone-database", FaultLab.Clone + "_spare"], "govclone:cloneDatabase"),
            new("clone name ending in _old", ["clone", "--force", "--yes", "--clone-database", FaultLab.Clone + "_old"], "govclone:cloneDatabase"),
            new("clone name ending in _next", ["drop", "--yes", "--clone-database", FaultLab.Clone + "_next"], "govclone:cloneDatabase"),
            new("clone name ending in _template (another clone's template)", ["up", "--clone-database", FaultLab.Clone + "_template"], "govclone:cloneDatabase"),
            new("template name ending in _spare", ["up", "--template-database", "directus_gov_test_other_spare"], "govclone:templateDatabase"),
            new("clone name that is a branch of another clone", ["up", "--clone-database", FaultLab.Clone + "_bi"], "govclone:cloneDatabase"),
            new("re-clone of a branch of another clone", ["clone", "--force", "--yes", "--clone-database", FaultLab.Clone + "_bi"], "govclone:cloneDatabase"),
            new("drop of a branch of another clone as the clone", ["drop", "--yes", "--clone-database", FaultLab.Clone + "_bi"], "govclone:cloneDatabase"),
            new("verify of a branch of another clone as the clone", ["verify", "--clone-database", FaultLab.Clone + "_bi"], "govclone:cloneDatabase"),
            new("template that is another family's clone", ["drop", "--yes", "--clone-database", "directus_gov_test_other", "--template-database", FaultLab.Clone], "govclone:templateDatabase"),
            new("template that is another family's template", ["drop", "--yes", "--clone-database", "directus_gov_test_other", "--template-database", FaultLab.Clone + "_template"], "govclone:templateDatabase"),
            new("an unmarked database where the build goes", ["up", "--clone-database", "directus_gov_test_other"], "govclone:cloneDatabase"),
            new("an unmarked database where a branch goes", ["branch", "create", "zz"], "NAME"),
        ];

        await lab.SettleAsync(TimeSpan.FromMinutes(2)); // a spare still being remade would change the server under the snapshot
        // Databases in the way of the families' cases: a marked branch of the lab's clone, an unmarked build of another
        // clone's, an unmarked database where a branch of the lab's clone would go.
        string[] inTheWay = [FaultLab.Clone + "_bi", "directus_gov_test_other_next", FaultLab.Clone + "_zz"];
        foreach (var database in inTheWay)
        {
            await lab.ScalarAsync<int?>("postgres", $"CREATE DATABASE {database}");
        }

        await lab.ScalarAsync<int?>("postgres", $"COMMENT ON DATABASE {FaultLab.Clone}_bi IS 'govclone:branch family={FaultLab.Clone} source=directus generation=1 template=- owner=faults created=2026-06-02T00:00:00Z used=2026-06-02T00:00:00Z'");
        var before = await SnapshotAsync(lab);
        foreach (var c in cases)
        {
            var run = await lab.RunCliAsync(c.Args, c.Env, c.StackFile);
            var problems = new List<string>();
            if (run.ExitCode == 0)
            {
                problems.Add("exit 0");
            }

            if (!run.Output.Contains(c.Mentions, StringComparison.Ordinal))
            {
                problems.Add($"the message does not name '{c.Mentions}'");
            }

            if (run.Output.Contains(lab.Password, StringComparison.Ordinal))
            {
                problems.Add("the password appears in the output");
                report.Add("secrets: bad-input output", secrets: 1);
            }

            if (c.Name.StartsWith("restore fails", StringComparison.Ordinal))
            {
                var state = await lab.CloneStateAsync("directus_gov_test_diskfull");
                if (state.Complete)
                {
                    problems.Add("the failed restore was marked complete");
                }

                await lab.RunCliAsync(["drop", "--yes", "--clone-database", "directus_gov_test_diskfull"]);
            }

            var after = await SnapshotAsync(lab);
            if (after != before)
            {
                problems.Add("something changed on the server");
                before = after;
            }

            report.BadInput(c.Name, problems.Count == 0, string.Join("; ", problems) + " | " + FirstLine(run.Output));
            log($"bad input: {c.Name,-44} exit {run.ExitCode} {(problems.Count == 0 ? "refused cleanly" : "PROBLEM: " + string.Join("; ", problems))}  | {FirstLine(run.Output)}");
        }

        foreach (var database in inTheWay)
        {
            await lab.ScalarAsync<int?>("postgres", $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }

        await report.CheckProductionAsync(lab, "bad input");
    }

    /// <summary>Every database with its marker, and the clone's exact table counts.</summary>
    private static async Task<string> SnapshotAsync(FaultLab lab) =>
        await lab.ScalarAsync<string>("postgres", "SELECT string_agg(datname || ':' || coalesce(shobj_description(oid, 'pg_database'), ''), ',' ORDER BY datname) FROM pg_database")
        + "|" + await lab.TableCountsAsync(FaultLab.Clone);

    /// <summary>A psql that dies like a server out of disk after part of the restore.</summary>
    private static string WriteDiskFullTools(FaultLab lab)
    {
        var bin = Path.Combine(lab.WorkDirectory, "diskfull-bin");
        Directory.CreateDirectory(bin);
        var real = lab.Server.BinDirectory;
        foreach (var tool in new[] { "pg_dump", "pg_restore" })
        {
            File.WriteAllText(Path.Combine(bin, tool), $"#!/bin/bash\nexec {real}/{tool} \"$@\"\n");
        }

        File.WriteAllText(Path.Combine(bin, "psql"), $$"""
            #!/bin/bash
            # The restore's psql (-o /dev/null) reads part of the stream, then fails as a full disk does: the
            # server's error as psql prints it with VERBOSITY verbose (the engine's), SQLSTATE 53100 disk_full.
            case " $* " in
              *" -o /dev/null "*)
                head -c 300000 | {{real}}/psql "$@" >/dev/null 2>&1
                echo 'psql:<stdin>:1234: ERROR:  53100: could not extend file "base/16384/16385": No space left on device' >&2
                exit 3 ;;
              *) exec {{real}}/psql "$@" ;;
            esac

            """);
        foreach (var f in Directory.GetFiles(bin))
        {
            File.SetUnixFileMode(f, (UnixFileMode)0b111_101_101);
        }

        return bin;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
