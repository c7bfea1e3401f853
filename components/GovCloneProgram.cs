using GovClone.Transport;
using Pulumi;

namespace GovCloneInfra;

/// <summary>
/// The whole stack: production fingerprint → clone database → dump|restore → seeded state →
/// (compaction) → regression suite, and the stack outputs computed by the core from what the suite
/// reports. Used by Program.cs and by the mock tests.
/// </summary>
public static class GovCloneProgram
{
    public static Dictionary<string, object?> Define(StackSettings stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var s = stack.Settings;
        var before = new ProductionFingerprint("production", new ProductionFingerprintArgs { Stack = stack });
        var database = new CloneDatabase("clone", new CloneDatabaseArgs { Stack = stack });
        var clone = new DumpRestore("dump-restore", new DumpRestoreArgs { Stack = stack, Database = database, After = [before.Command] });
        var seed = new SeededState("governance", new SeededStateArgs { Stack = stack, Database = database, Clone = clone });
        var after = new List<Resource> { seed.Command };
        if (s.CompactGeneration > 0)
        {
            after.Add(new Compaction("compact", new CompactionArgs { Stack = stack, Seed = seed }).Command);
        }

        var suite = new RegressionSuite("regression-suite", new RegressionSuiteArgs { Stack = stack, After = after });
        var outputs = Output.Tuple(before.Stdout, suite.Stdout).Apply(t =>
        {
            var report = DeployScripts.ParseReport(t.Item2)
                ?? throw new InvalidOperationException("the regression suite printed no govclone-report line");
            return DeployOutputs.From(s, report, DeployScripts.ParseFingerprint(t.Item1));
        });

        return new Dictionary<string, object?>
        {
            ["cloneName"] = database.Name,
            ["cloneSizeBytes"] = outputs.Apply(o => o.CloneSizeBytes),
            ["metrics"] = outputs.Apply(o => o.Metrics),
            ["evidence"] = outputs.Apply(o => o.Evidence),
            ["verified"] = outputs.Apply(o => o.Verified),
            ["decision"] = outputs.Apply(o => o.Decision),
            ["decisionReason"] = outputs.Apply(o => o.DecisionReason),
            ["decisionFactors"] = outputs.Apply(o => o.Factors),
            ["productionUnchanged"] = outputs.Apply(o => o.ProductionUnchanged),
            ["plannedDecision"] = DeployOutputs.PlannedDecision(s),
            ["seedProfile"] = s.SeedProfile.ToString().ToLowerInvariant(),
            ["cloneGeneration"] = s.CloneGeneration,
        };
    }
}
