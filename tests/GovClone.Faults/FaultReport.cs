using System.Globalization;
using GovClone.Lifecycle;
using Spectre.Console;

namespace GovClone.Faults;

/// <summary>Tallies per scenario, the production fingerprint watch, and the targets.</summary>
public sealed class FaultReport
{
    public const int MinDistinctKillPoints = 10;
    public const int MinBadInputs = 30;

    private readonly Dictionary<string, Row> _rows = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly HashSet<string> _distinctKillPoints = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];
    private SourceFingerprint? _production;

    public sealed class Row
    {
        public int Runs { get; set; }
        public int Kills { get; set; }
        public int Missed { get; set; }
        public int Converged { get; set; }
        public int Half { get; set; }
        public int ProductionChanges { get; set; }
        public int Secrets { get; set; }
        public int Failed { get; set; }
        public int Leftovers { get; set; }
    }

    public int Scenarios => _rows.Values.Sum(r => r.Runs);
    public int Kills => _rows.Values.Sum(r => r.Kills);
    public int Converged => _rows.Values.Sum(r => r.Converged);
    /// <summary>Clones (or templates) marked complete whose tables differ from the source's.</summary>
    public int Half => _rows.Where(kv => !IsBranchRow(kv.Key)).Sum(kv => kv.Value.Half);

    /// <summary>Branches (govclone branch) marked complete whose tables differ from the source's (rows named "branch: …").</summary>
    public int HalfBranches => _rows.Where(kv => IsBranchRow(kv.Key)).Sum(kv => kv.Value.Half);

    /// <summary>Scenarios of branch creation (rows named "branch: …").</summary>
    public int BranchRuns => _rows.Where(kv => IsBranchRow(kv.Key)).Sum(kv => kv.Value.Runs);

    private static bool IsBranchRow(string scenario) => scenario.StartsWith("branch:", StringComparison.Ordinal);
    public int ProductionChanges => _rows.Values.Sum(r => r.ProductionChanges);
    public int Secrets => _rows.Values.Sum(r => r.Secrets);

    /// <summary>
    /// Databases an interrupted run, a swap or a drop cut short left behind and nothing dropped, counted after every
    /// scenario once it settled: any <c>&lt;clone&gt;_next</c> or <c>_old</c>, and anything still marked building, old,
    /// dropping or branch-incomplete (issue 21.7: no leftovers, ever).
    /// </summary>
    public int Leftovers => _rows.Values.Sum(r => r.Leftovers);
    /// <summary>Scenarios that ran the Pulumi program's Command texts (rows named "pulumi: …").</summary>
    public int PulumiSteps => _rows.Where(kv => kv.Key.StartsWith("pulumi:", StringComparison.Ordinal)).Sum(kv => kv.Value.Runs);

    /// <summary>Scenarios on a live production (rows named "live: …": writers, a migration, a held lock, govclone killed on it).</summary>
    public int LiveRuns => _rows.Where(kv => kv.Key.StartsWith("live:", StringComparison.Ordinal)).Sum(kv => kv.Value.Runs);

    /// <summary>Scenarios over a real sshd (rows named "ssh: …").</summary>
    public int SshRuns => _rows.Where(kv => kv.Key.StartsWith("ssh:", StringComparison.Ordinal)).Sum(kv => kv.Value.Runs);

    public int BadInputs { get; private set; }
    public int BadInputsRefused { get; private set; }
    public int DistinctKillPoints => _distinctKillPoints.Count;

    public IReadOnlyList<string> Problems => _problems;

    public Row Add(string scenario, int kills = 0, int converged = 0, int half = 0, int secrets = 0, int missed = 0, string? distinctPoint = null, bool failed = false)
    {
        if (!_rows.TryGetValue(scenario, out var row))
        {
            _rows[scenario] = row = new Row();
            _order.Add(scenario);
        }

        row.Runs++;
        row.Kills += kills;
        row.Converged += converged;
        row.Half += half;
        row.Secrets += secrets;
        row.Missed += missed;
        row.Failed += failed ? 1 : 0;
        if (distinctPoint is not null)
        {
            _distinctKillPoints.Add(distinctPoint);
        }

        return row;
    }

    /// <summary>A branch scenario's row (its name starts with "branch:"): its half branches count apart from half clones.</summary>
    public Row AddBranch(string scenario, int kills = 0, int converged = 0, int half = 0, int missed = 0, string? distinctPoint = null, bool failed = false)
    {
        if (!IsBranchRow(scenario))
        {
            throw new ArgumentException("a branch scenario's name starts with 'branch:'", nameof(scenario));
        }

        return Add(scenario, kills, converged, half, 0, missed, distinctPoint, failed);
    }

    public void BadInput(string name, bool refused, string why)
    {
        BadInputs++;
        BadInputsRefused += refused ? 1 : 0;
        Add("bad input", failed: !refused);
        if (!refused)
        {
            _problems.Add($"bad input '{name}' not refused cleanly: {why}");
        }
    }

    public void Problem(string text) => _problems.Add(text);

    public async Task StartProductionWatchAsync(FaultLab lab) => _production = await lab.SourceFingerprintAsync();

    /// <summary>Compares production's fingerprint with the one taken before the first scenario; counts the leftovers.</summary>
    public async Task CheckProductionAsync(FaultLab lab, string scenario)
    {
        await CheckLeftoversAsync(lab, scenario);
        var now = await lab.SourceFingerprintAsync();
        if (_production is not null && now != _production)
        {
            _rows[scenario].ProductionChanges++;
            _problems.Add($"production fingerprint changed during '{scenario}'");
            _production = now;
        }
    }

    /// <summary>Once the scenario settled (no govclone session, no background spare), the leftovers on the lab's server.</summary>
    public async Task CheckLeftoversAsync(FaultLab lab, string scenario)
    {
        await lab.SettleAsync(TimeSpan.FromMinutes(2));
        var left = await lab.ScalarAsync<string>("postgres", """
            SELECT coalesce(string_agg(datname || ' (' || coalesce(split_part(shobj_description(oid, 'pg_database'), ' ', 1), 'no marker') || ')', ', ' ORDER BY datname), '')
            FROM pg_database
            WHERE datname LIKE 'directus\_gov\_test\_%'
              AND (datname ~ '_(next|old)$' OR coalesce(shobj_description(oid, 'pg_database'), '') ~ '^govclone:(building|old|dropping|branch-incomplete) '
                   OR datconnlimit >= 1000000)
            """) ?? string.Empty;
        if (left.Length > 0)
        {
            _rows[scenario].Leftovers += left.Split(", ").Length;
            _problems.Add($"leftovers after '{scenario}': {left}");
        }
    }

    public bool MeetsTargets(out IReadOnlyList<string> misses)
    {
        var m = new List<string>();
        if (DistinctKillPoints < MinDistinctKillPoints)
        {
            m.Add($"kills hit {DistinctKillPoints} distinct points of a clone (target ≥ {MinDistinctKillPoints})");
        }

        if (Converged < Kills)
        {
            m.Add($"{Kills - Converged} killed clones did not converge with one `up`");
        }

        if (Half > 0) { m.Add($"{Half} half clones seen"); }
        if (HalfBranches > 0) { m.Add($"{HalfBranches} half branches seen (marked complete, tables not the source's)"); }
        if (ProductionChanges > 0) { m.Add($"{ProductionChanges} production changes"); }
        if (Secrets > 0) { m.Add($"{Secrets} secrets found"); }
        if (Leftovers > 0) { m.Add($"{Leftovers} leftovers (an interrupted run's databases nothing dropped)"); }
        if (BadInputs < MinBadInputs) { m.Add($"only {BadInputs} bad inputs tried (target ≥ {MinBadInputs})"); }
        if (BadInputsRefused < BadInputs) { m.Add($"{BadInputs - BadInputsRefused} bad inputs not refused cleanly"); }
        var failedRows = _rows.Where(kv => !kv.Key.StartsWith("kill ", StringComparison.Ordinal) && kv.Key != "bad input" && kv.Value.Failed > 0).Select(kv => kv.Key).ToList();
        if (failedRows.Count > 0) { m.Add("failed scenarios: " + string.Join(", ", failedRows)); }
        misses = m;
        return m.Count == 0;
    }

    public void Render(IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Markdown)
            .AddColumns("scenario", "runs", "kills", "missed", "converged", "half clones (branches)", "prod changes", "secrets", "leftovers", "failed");
        foreach (var name in _order)
        {
            var r = _rows[name];
            table.AddRow(Markup.Escape(name), N(r.Runs), N(r.Kills), N(r.Missed), N(r.Converged), N(r.Half), N(r.ProductionChanges), N(r.Secrets), N(r.Leftovers), N(r.Failed));
        }

        console.Write(table);
        console.WriteLine();
        console.WriteLine($"distinct kill points: {DistinctKillPoints}; bad inputs refused: {BadInputsRefused}/{BadInputs}");
        foreach (var p in _problems)
        {
            console.WriteLine("problem: " + p);
        }
    }

    public string SummaryLine() => string.Create(CultureInfo.InvariantCulture,
        $"faults: {Scenarios} scenarios ({PulumiSteps} of Pulumi steps, {BranchRuns} of branch creation, {LiveRuns} of a live production, {SshRuns} over a real sshd), {Kills} kills, {Converged} converged, {Half} half clones, {HalfBranches} half branches, {ProductionChanges} production changes, {Secrets} secrets, {BadInputsRefused}/{BadInputs} bad inputs refused, {Leftovers} leftovers");

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
