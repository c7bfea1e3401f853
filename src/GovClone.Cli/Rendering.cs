using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GovClone.Decision;
using GovClone.Lifecycle;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary>Tables for people, JSON for machines. Metric names are the seed's everywhere.</summary>
internal static class Rendering
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter() },

        // Readable text ('…', <, >, quotes in messages); the output is JSON for programs, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Table HaveWant(VerifyResult result)
    {
        var table = new Table().Title($"regression suite ({result.Profile.ToString().ToLowerInvariant()})").AddColumns("metric", "have", "want", "");
        foreach (var c in result.Checks)
        {
            table.AddRow(
                Markup.Escape(c.Want.Name),
                Markup.Escape(c.Have?.ToString()[(c.Want.Name.Length + 1)..] ?? "missing"),
                Markup.Escape(c.Want.ToString()[(c.Want.Name.Length + 1)..]),
                c.Ok ? "[green]ok[/]" : "[red]DRIFT[/]");
        }

        return table;
    }

    public static Table Status(CloneStatus s)
    {
        var table = new Table().Title("clone status").AddColumns("fact", "value");
        table.AddRow("clone", Markup.Escape(s.CloneDatabase));
        table.AddRow("source (read-only)", Markup.Escape(s.SourceDatabase));
        table.AddRow("transport", s.Transport);
        table.AddRow("exists", YesNo(s.State.Exists));
        table.AddRow("complete", !s.State.Exists ? "-"
            : s.State.Invalid ? "no: invalid (an interrupted DROP DATABASE; the next up or drop removes it)"
            : YesNo(s.State.Complete) + (s.State.MarkerGeneration is { } g ? $" (generation {g})" : string.Empty)
              + (s.State.Complete && !s.Current ? $" [yellow]not current: {Markup.Escape(s.NotCurrentBecause ?? $"govclone:cloneGeneration is {s.ConfiguredGeneration}")}; up re-clones it[/]" : string.Empty));
        table.AddRow("size", s.State.SizeBytes is { } b ? LifecycleDecider.FormatBytes(b) : "-");
        table.AddRow("retained template", Markup.Escape(s.TemplateSummary));
        table.AddRow("ready spare", Markup.Escape(s.SpareSummary));
        table.AddRow("branches", s.Branches.Count == 0 ? "none (govclone branch create NAME)"
            : Markup.Escape($"{s.Branches.Count} ({LifecycleDecider.FormatBytes(s.Branches.Sum(b => b.SizeBytes ?? 0))}): "
                + string.Join(", ", s.Branches.Select(b => $"{b.Name} ({b.State.ToString().ToLowerInvariant()}, owner {b.Owner})"))));
        table.AddRow("leftovers", s.Leftovers.Count == 0 ? "none"
            : "[yellow]" + Markup.Escape(string.Join(", ", s.Leftovers.Select(l => $"{l.Name} ({l.Kind} {l.Role}, {LifecycleDecider.FormatBytes(l.SizeBytes ?? 0)})"))
                + ": this family's, left by an interrupted run, a swap or a drop cut short; the next lever that takes the lock drops them") + "[/]");
        table.AddRow("host free", s.HostFreeBytes is { } f ? LifecycleDecider.FormatBytes(f) : "unknown");
        table.AddRow("app connections", s.AppConnections?.ToString(CultureInfo.InvariantCulture) ?? "-");
        table.AddRow("worker leases", s.WorkerLeases?.ToString(CultureInfo.InvariantCulture) ?? "-");
        table.AddRow("CONNECT revoked from PUBLIC", s.State.ConnectRevokedFromPublic is { } r ? YesNo(r) : "-");
        table.AddRow("profile", s.Profile);
        if (s.Checks is not null)
        {
            foreach (var c in s.Checks)
            {
                var have = c.Have?.ToString()[(c.Want.Name.Length + 1)..] ?? "missing";
                table.AddRow(Markup.Escape(c.Want.Name), Markup.Escape(have) + (c.Ok ? string.Empty : $" [red](want {Markup.Escape(c.Want.ToString()[(c.Want.Name.Length + 1)..])})[/]"));
            }
        }

        table.AddRow("decision", $"[bold]{s.Decision.Verdict}[/]: {Markup.Escape(s.Decision.Reason)}");
        return table;
    }

    public static Table Factors(LifecycleDecision d)
    {
        var table = new Table().Title($"lifecycle decision: {d.Verdict}").AddColumns("factor", "assessment", "");
        foreach (var f in d.Factors)
        {
            table.AddRow(Markup.Escape(f.Factor), Markup.Escape(f.Assessment), f.Status switch
            {
                FactorStatus.Ok => "[green]ok[/]",
                FactorStatus.Warn => "[yellow]warn[/]",
                _ => "[grey]unknown[/]",
            });
        }

        return table;
    }

    public static Table Steps(IEnumerable<LeverResult> steps)
    {
        var table = new Table().Title("levers").AddColumns("lever", "changed", "result");
        foreach (var s in steps)
        {
            table.AddRow(Markup.Escape(s.Lever), s.Changed ? "[yellow]yes[/]" : "no", Markup.Escape(s.Summary));
        }

        return table;
    }

    /// <summary>The JSON shape of <c>verify --json</c> (and <c>up</c>'s <c>verify</c>): the profile, passed, and every metric's have/want.</summary>
    public static object VerifyJson(VerifyResult result) => new
    {
        profile = result.Profile.ToString().ToLowerInvariant(),
        passed = result.Passed,
        checks = result.Checks.Select(c => new { metric = c.Want.Name, have = c.Have?.Value, haveDetail = c.Have?.Detail, want = c.Want.Value, wantDetail = c.Want.Detail, ok = c.Ok }),
    };

    /// <summary>The JSON shape of <c>status --json</c>: flat metric map keyed by the seed's names.</summary>
    public static object StatusJson(CloneStatus s) => new
    {
        clone = s.CloneDatabase,
        source = s.SourceDatabase,
        transport = s.Transport,
        exists = s.State.Exists,
        complete = s.State.Complete,
        current = s.Current,
        invalid = s.State.Invalid,
        generation = s.State.MarkerGeneration,
        markerGeneration = s.State.MarkerGeneration,
        configuredGeneration = s.ConfiguredGeneration,
        sizeBytes = s.State.SizeBytes,
        template = new { name = s.Template.Name, exists = s.Template.Exists, current = s.Template.Current, sizeBytes = s.Template.SizeBytes, summary = s.TemplateSummary },
        spare = new { name = s.Spare.Name, exists = s.Spare.Exists, ready = s.Spare.Current, sizeBytes = s.Spare.SizeBytes, summary = s.SpareSummary },
        branches = s.Branches.Select(GovCloneCli.BranchJson).ToArray(),
        notCurrentBecause = s.NotCurrentBecause,
        leftovers = s.Leftovers.Select(l => new { name = l.Name, role = l.Role, kind = l.Kind, sizeBytes = l.SizeBytes }).ToArray(),
        hostFreeBytes = s.HostFreeBytes,
        appConnections = s.AppConnections,
        workerLeases = s.WorkerLeases,
        connectRevokedFromPublic = s.State.ConnectRevokedFromPublic,
        profile = s.Profile,
        metrics = s.Metrics?.ToDictionary(m => m.Name, m => (object)new { value = m.Value, detail = m.Detail }),
        drift = s.Checks?.Where(c => !c.Ok).Select(c => c.Want.Name).ToArray(),
        evidence = s.Facts.Evidence,
        decision = DecisionJson(s.Decision),
    };

    public static object DecisionJson(LifecycleDecision d) => new
    {
        verdict = d.Verdict.ToString(),
        reason = d.Reason,
        factors = d.Factors.Select(f => new { factor = f.Factor, assessment = f.Assessment, status = f.Status.ToString().ToLowerInvariant() }).ToArray(),
    };

    private static string YesNo(bool v) => v ? "yes" : "no";
}
