using System.Diagnostics;
using System.Globalization;
using GovClone.Tests.Support;

namespace GovClone.Faults;

/// <summary>
/// Issue 25.5: a masked clone (govclone:masking personal, which also masks the big directus_activity table) killed
/// mid-copy: by streams while the masked COPYs run, and by dump while the build converges (the UPDATE + VACUUM FULL
/// that rewrites its clear values before the swap). Afterwards the clone is either the one before (complete, marked
/// and masked as its marker says) or none: never one marked complete that holds a production value of a masked
/// column (counted as a half clone). Then one <c>up</c> must converge to a complete clone masked personal, checked
/// by value against the source (<see cref="LabKit.MaskedValuesLeftAsync"/>, not govclone's own proof) and by
/// <c>verify</c>. Rows named "masking: …".
/// </summary>
public static class MaskingScenarios
{
    private const string Profile = "personal";

    /// <summary>The clone's way, where it is killed, what is killed, and whether the run starts with no clone (drop first).</summary>
    private static readonly (string Method, string Point, KillTarget Target, bool Drop)[] All =
    [
        ("streams", "copy 50%", KillTarget.Tool, false),
        ("dump", "converge", KillTarget.Psql, false),
        ("dump", "converge", KillTarget.Tool, true),
    ];

    public static async Task RunAsync(FaultLab lab, FaultReport report, bool quick, Action<string> log)
    {
        var sourceBytes = await lab.ScalarAsync<long>("postgres", $"SELECT pg_database_size('{FaultLab.Source}')");
        var masking = "masking=" + Profile;
        foreach (var (method, point, target, drop) in quick ? All[..2] : All)
        {
            var name = $"masking: kill {method} ({Profile}): {target.ToString().ToLowerInvariant()} @ {point}";
            var before = await lab.RunCliAsync(["up", "-c", masking]);
            if (drop)
            {
                await lab.RunCliAsync(["drop", "--yes"]);
            }

            var (killed, note) = await KillOnceAsync(lab, method, point, target, sourceBytes, masking);
            await lab.SettleAsync(TimeSpan.FromSeconds(30));

            // Complete after the kill: only the clone from before may be, masked as its marker says.
            var state = await lab.CloneStateAsync();
            var unmaskedComplete = false;
            if (state.Complete)
            {
                var marker = await MarkerAsync(lab);
                var left = await ProductionValuesAsync(lab);
                unmaskedComplete = !marker.Contains($" masking={Profile}-", StringComparison.Ordinal) || left.Sum(c => c.Production) > 0 || left.Count == 0;
                if (unmaskedComplete)
                {
                    log($"    marked complete but not masked {Profile}: {marker}; {Describe(left)}");
                }
            }

            var up = await lab.RunCliAsync(["up", "-c", masking]);
            var verify = await lab.RunCliAsync(["verify", "-c", masking]);
            var after = await ProductionValuesAsync(lab);
            var converged = up.ExitCode == 0 && verify.ExitCode == 0 && after.Count > 0 && after.Sum(c => c.Production) == 0
                && (await MarkerAsync(lab)).Contains($" masking={Profile}-", StringComparison.Ordinal);
            report.Add(name, kills: killed ? 1 : 0, converged: killed && converged ? 1 : 0, half: unmaskedComplete ? 1 : 0, missed: killed ? 0 : 1,
                distinctPoint: killed ? $"masking {method}: {target} @ {point}" : null, failed: !converged || before.ExitCode != 0);
            await report.CheckProductionAsync(lab, name);
            log(string.Create(CultureInfo.InvariantCulture,
                $"[masking] {method} {target.ToString().ToLowerInvariant()} @ {point,-10} {(killed ? "killed" : "missed: " + note),-40} complete-after-kill={state.Complete,-5} unmasked-complete={unmaskedComplete,-5} converged={converged} ({Describe(after)})"));
            if (!converged)
            {
                log("    up: " + up.Output.Trim().Replace("\n", "\n    ", StringComparison.Ordinal));
                log("    verify: " + verify.Output.Trim().Replace("\n", "\n    ", StringComparison.Ordinal));
            }
        }

        await lab.RunCliAsync(["up"]); // back to the lab's own masking for whatever runs next
    }

    private static async Task<(bool Killed, string Note)> KillOnceAsync(FaultLab lab, string method, string point, KillTarget target, long sourceBytes, string masking)
    {
        var phase = "";
        using var tool = lab.StartCli(["clone", "--force", "--yes", "--clone-method", method, "-c", masking]);
        var collect = FaultLab.CollectAsync(tool, line =>
        {
            if (line.StartsWith("govclone: clone ", StringComparison.Ordinal))
            {
                Volatile.Write(ref phase, line["govclone: clone ".Length..]);
            }
        });
        var deadline = Stopwatch.StartNew();
        while (!tool.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            var reached = point == "converge"
                ? await ConvergingAsync(lab)
                : await KillScenarios.ReachedAsync(lab, new KillPoint(point, target, method), Volatile.Read(ref phase), sourceBytes);
            if (reached)
            {
                var killed = await KillScenarios.KillAsync(lab, tool, target);
                var run = await collect;
                return (killed, killed ? "" : $"no {target} process at that moment (tool exit {run.ExitCode})");
            }

            await Task.Delay(5);
        }

        var done = await collect;
        return (false, $"the clone ended (exit {done.ExitCode}) before the point");
    }

    /// <summary>The dump's build is being rewritten: engine/masking.sh's mask_converge runs an UPDATE or VACUUM FULL on it.</summary>
    private static async Task<bool> ConvergingAsync(FaultLab lab) =>
        await lab.ScalarAsync<long>("postgres",
            $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{FaultLab.Clone}_next' AND state = 'active' AND (query LIKE 'UPDATE %' OR query LIKE 'VACUUM (FULL%')") > 0;

    private static async Task<string> MarkerAsync(FaultLab lab) =>
        await lab.ScalarAsync<string>("postgres", $"SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '{FaultLab.Clone}'") ?? string.Empty;

    private static async Task<IReadOnlyList<(string Column, long Values, long Production)>> ProductionValuesAsync(FaultLab lab)
    {
        if (!(await lab.CloneStateAsync()).Complete)
        {
            return [];
        }

        await using var source = await lab.OpenAsync(FaultLab.Source);
        await using var clone = await lab.OpenAsync(FaultLab.Clone);
        return await LabKit.MaskedValuesLeftAsync(source, clone, Profile);
    }

    private static string Describe(IReadOnlyList<(string Column, long Values, long Production)> left) => left.Count == 0
        ? "no complete clone to check"
        : string.Create(CultureInfo.InvariantCulture, $"{left.Count} masked columns, {left.Sum(c => c.Production)} production values")
          + string.Concat(left.Where(c => c.Production > 0).Select(c => $"; {c.Column} {c.Production}"));
}
