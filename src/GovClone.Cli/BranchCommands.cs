using System.CommandLine;
using System.Globalization;
using GovClone.Branches;
using GovClone.Configuration;
using GovClone.Decision;
using GovClone.Lifecycle;
using Spectre.Console;

namespace GovClone.Cli;

/// <summary>
/// <c>govclone branch create NAME [--profile committed|baseline]</c>, <c>branch list</c>, <c>branch drop NAME</c>,
/// <c>branch gc --older-than DURATION</c>, and <c>--branch NAME</c> on <c>seed</c>, <c>reset</c> and <c>verify</c>
/// (issue 17). The levers are the core's <see cref="BranchLifecycle"/>; here are their options, confirmation, tables
/// and <c>--json</c> documents (docs/cli-json.md).
/// </summary>
public static partial class GovCloneCli
{
    private sealed partial class Commands
    {
        private readonly Option<string?> _onBranch = new("--branch")
        {
            Description = "on the branch NAME (govclone branch) instead of the clone",
            HelpName = "NAME",
        };

        private readonly Option<string?> _owner = new("--owner")
        {
            Description = "owner label in its marker [default: $USER, else the OS account]",
            HelpName = "LABEL",
        };

        private readonly Option<bool> _makeTemplate = new("--make-template")
        {
            Description = "no current template: re-clone the clone first, keeping one (asks)",
        };

        private readonly Option<string> _olderThan = new(BranchDuration.Option)
        {
            Description = "drop branches unused this long, e.g. 24h (s, m, h, d)",
            HelpName = "DURATION",
            Required = true,
        };

        private static Argument<string> BranchArgument() => new(BranchName.Argument)
        {
            Description = "the branch: <cloneDatabase>_NAME, NAME of 1-20 a-z 0-9 _",
            HelpName = BranchName.Argument,
        };

        private Command BranchCommand()
        {
            var branch = new Command("branch", "per-change copies of the clone: create, list, drop, gc");
            var createName = BranchArgument();
            var create = new Command("create", "copy the retained template to <clone>_NAME, seed it, run the suite")
            {
                createName, _profile, _owner, _makeTemplate,
            };
            create.SetAction((p, ct) => BranchCreateAsync(p, p.GetValue(createName)!, ct));
            var list = new Command("list", "each branch's state, age, size, last use, sessions and owner");
            list.SetAction((p, ct) => BranchListAsync(p, ct));
            var dropName = BranchArgument();
            var drop = new Command("drop", "drop the branch <clone>_NAME, ending its sessions (asks)") { dropName, _dryRun };
            drop.SetAction((p, ct) => BranchDropAsync(p, p.GetValue(dropName)!, ct));
            var gc = new Command("gc", "drop idle branches: no session, unused for DURATION (asks)") { _olderThan, _dryRun };
            gc.SetAction((p, ct) => BranchGcAsync(p, p.GetValue(_olderThan)!, ct));
            foreach (var c in new[] { create, list, drop, gc })
            {
                branch.Subcommands.Add(c);
            }

            return branch;
        }

        /// <summary>
        /// The owner label: --owner, else $USER, else the OS account running govclone (its passwd entry, as
        /// <see cref="Environment.UserName"/> reads it: cron jobs and containers often have no $USER), each only when it is a
        /// label a marker can carry; else <see cref="UnknownOwner"/>.
        /// </summary>
        private string Owner(ParseResult p)
        {
            if (p.GetValue(_owner) is { } given)
            {
                return given;
            }

            return OwnerFrom(_host.Environment is { } env ? env.GetValueOrDefault("USER") : Environment.GetEnvironmentVariable("USER"), Environment.UserName);
        }

        private BranchLifecycle Branches(ParseResult p, GovCloneSettings s)
        {
            var json = p.GetValue(_g.Json);
            return new BranchLifecycle(s, step =>
            {
                if (json)
                {
                    Json.Event(new System.Text.Json.Nodes.JsonObject
                    {
                        ["event"] = "step",
                        ["phase"] = step.Phase,
                        ["step"] = step.Step,
                        ["steps"] = step.Steps,
                        ["name"] = step.Name,
                        ["text"] = step.Phase == "start" ? step.Text : null,
                        ["seconds"] = step.Seconds,
                    });
                }
                else if (step.Phase == "start")
                {
                    _host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"govclone: branch {step.Step}/{step.Steps}: {step.Name}: {step.Text}"));
                }
            });
        }

        private async Task<int> BranchCreateAsync(ParseResult p, string name, CancellationToken ct)
        {
            var s = Settings(p);
            var branch = BranchName.Of(s, name);
            var profile = Profile(p) ?? s.SeedProfile;
            var makeTemplate = p.GetValue(_makeTemplate);
            if (profile == SeedProfile.Baseline)
            {
                // On a branch that exists, the baseline seed deletes its seeded evidence: like `seed --profile baseline`.
                await Confirmation.RequireAsync(_console, _host.IsInteractive && !p.GetValue(_g.Json), p.GetValue(_g.Yes), "branch create --profile baseline", branch.Name,
                    $"seeds the branch {branch.Database} to the F-6 baseline; on a branch that exists, its seeded evidence is deleted", ct, noun: "branch");
            }

            if (makeTemplate)
            {
                await ConfirmAsync(p, "branch create --make-template", s,
                    $"re-clones {s.CloneDatabase} from the source (keeping its template) when it has no current template, then seeds it again", ct);
            }

            var result = await Branches(p, s).CreateAsync(name, new BranchCreateOptions(profile, Owner(p), makeTemplate), ct);
            var exit = result.Passed ? 0 : 1;
            // The next branch spare, off the critical path: `govclone spare` in the background, as after a re-clone (a host
            // that cannot start one leaves it to the next `govclone spare`, clone or up).
            var spare = result.SpareDue && _host.StartDetached is not null ? StartSpare(p, s) : null;
            if (p.GetValue(_g.Json))
            {
                return Json.Result("branch create", exit, new
                {
                    changed = result.Changed,
                    copied = result.Copied,
                    clone = s.CloneDatabase,
                    branch = branch.Name,
                    database = branch.Database,
                    profile = profile.ToString().ToLowerInvariant(),
                    steps = result.Steps.Select(st => new { lever = st.Lever, changed = st.Changed, summary = st.Summary }),
                    verify = Rendering.VerifyJson(result.Verify),
                    info = result.Info is null ? null : BranchJson(result.Info),
                    production = JsonOutput.Production(result.Production),
                    fidelity = Fidelity.Word(result.FidelityGaps.ToArray()),
                    fidelityGaps = result.FidelityGaps,
                    fidelityOwn = Fidelity.Own,
                    branchSpare = new { used = result.UsedBranchSpare, remake = spare },
                });
            }

            _console.Write(Rendering.Steps(result.Steps));
            foreach (var gap in result.FidelityGaps)
            {
                _console.MarkupLine($"[yellow]NOT equal to the source:[/] {Markup.Escape(gap)}");
            }

            _console.Write(Rendering.HaveWant(result.Verify));
            if (result.Verify.Masking is { } masking)
            {
                _console.MarkupLine(Markup.Escape(masking.Line));
            }

            if (spare is not null)
            {
                _console.MarkupLine(Markup.Escape("branch spare: " + spare));
            }

            _console.MarkupLine($"branch create: {Markup.Escape(branch.Database)} {(result.Passed ? "ready: suite PASS" : "[red]suite DRIFT[/]")}");
            return exit;
        }

        private async Task<int> BranchListAsync(ParseResult p, CancellationToken ct)
        {
            var s = Settings(p);
            var branches = await new BranchLifecycle(s).ListAsync(ct);
            if (p.GetValue(_g.Json))
            {
                return Json.Result("branch list", 0, new
                {
                    clone = s.CloneDatabase,
                    maxBranches = s.MaxBranches,
                    sizeBytes = branches.Sum(b => b.SizeBytes ?? 0),
                    branches = branches.Select(BranchJson),
                });
            }

            var table = new Table().Title($"branches of {Markup.Escape(s.CloneDatabase)} ({branches.Count} of at most {s.MaxBranches})")
                .AddColumns("NAME", "state", "age", "size", "last use", "sessions", "owner");
            foreach (var b in branches)
            {
                table.AddRow(Markup.Escape(b.Name), State(b), BranchInfo.Format(b.Age), b.SizeBytes is { } size ? LifecycleDecider.FormatBytes(size) : "-",
                    b.Sessions > 0 ? "now" : b.Idle is { } idle ? BranchInfo.Format(idle) + " ago" : "-",
                    b.Sessions.ToString(CultureInfo.InvariantCulture), Markup.Escape(b.Owner));
            }

            _console.Write(table);
            return 0;
        }

        private async Task<int> BranchDropAsync(ParseResult p, string name, CancellationToken ct)
        {
            var s = Settings(p);
            var branch = BranchName.Of(s, name);
            var lifecycle = new BranchLifecycle(s);
            if (p.GetValue(_dryRun))
            {
                return Plan(p, "branch drop", s, lifecycle.DropStatements(name)
                    .Select((sql, i) => new PlannedStep($"maintenance database {s.MaintenanceDatabase}, statement {i + 1}", "sql", sql)).ToArray(),
                    BranchLock(s, branch));
            }

            await Confirmation.RequireAsync(_console, _host.IsInteractive && !p.GetValue(_g.Json), p.GetValue(_g.Yes), "branch drop", branch.Name,
                $"drops the branch {branch.Database}, ending its sessions", ct, noun: "branch");
            var r = await lifecycle.DropAsync(name, ct);
            if (p.GetValue(_g.Json))
            {
                return Json.Result("branch drop", 0, new { changed = r.Changed, summary = r.Summary, clone = s.CloneDatabase, branch = branch.Name, database = branch.Database });
            }

            _console.MarkupLine($"branch drop: {(r.Changed ? "[yellow]changed[/]" : "no change")}: {Markup.Escape(r.Summary)}");
            return 0;
        }

        private async Task<int> BranchGcAsync(ParseResult p, string olderThan, CancellationToken ct)
        {
            var s = Settings(p);
            var age = BranchDuration.Parse(olderThan);
            var dryRun = p.GetValue(_dryRun);
            if (!dryRun)
            {
                await ConfirmAsync(p, "branch gc", s,
                    $"drops every idle branch of {s.CloneDatabase}: no session, unused for {BranchDuration.Format(age)}", ct);
            }

            var lifecycle = new BranchLifecycle(s);
            var r = await lifecycle.GcAsync(age, dryRun, ct);
            // --dry-run: the exact SQL gc sends for each branch it would drop (each under that branch's own lock).
            var plan = dryRun
                ? r.Dropped.SelectMany(b => lifecycle.DropStatements(b.Name, force: false)
                    .Select((sql, i) => new PlannedStep($"maintenance database {s.MaintenanceDatabase}, branch {b.Name}, statement {i + 1}", "sql", sql))).ToArray()
                : [];
            if (p.GetValue(_g.Json))
            {
                return Json.Result("branch gc", 0, new
                {
                    changed = r.Changed,
                    dryRun = r.DryRun,
                    clone = s.CloneDatabase,
                    olderThanSeconds = (long)r.OlderThan.TotalSeconds,
                    dropped = r.Dropped.Select(BranchJson),
                    skipped = r.Skipped.Select(k => new { name = k.Name, database = k.Database, reason = k.Reason }),
                    kept = r.Kept,
                    branchSpare = r.BranchSpare,
                    plan = dryRun ? plan.Select(st => new { where = st.Where, language = st.Language, text = st.Text }) : null,
                });
            }

            var verb = dryRun ? "would drop" : "dropped";
            var summary = $"branch gc ({(dryRun ? "dry run, nothing changed" : "done")}): {verb} {r.Dropped.Count} idle branch(es) unused for {BranchDuration.Format(age)}{(r.Dropped.Count == 0 ? string.Empty : ": " + string.Join(", ", r.Dropped.Select(b => b.Name)))}; kept {r.Kept} in use or recent{(r.BranchSpare is null ? string.Empty : "; " + r.BranchSpare)}";
            if (!dryRun)
            {
                _console.MarkupLine(Markup.Escape(summary));
                foreach (var k in r.Skipped)
                {
                    _console.MarkupLine($"  skipped {Markup.Escape(k.Name)}: {Markup.Escape(k.Reason)}");
                }

                return 0;
            }

            // As the other levers' --dry-run: runnable with psql -f as printed; everything else is an SQL comment.
            _host.Out.WriteLine("-- " + summary);
            foreach (var k in r.Skipped)
            {
                _host.Out.WriteLine($"--   skipped {k.Name}: {k.Reason}");
            }

            _host.Out.WriteLine($"-- Before each branch's statements gc takes that branch's own run lock (a session advisory lock keyed by its database, in {s.MaintenanceDatabase}) "
                + "without waiting (a busy branch is skipped), then checks again that no session is on it and that it was not used meanwhile.");
            foreach (var st in plan)
            {
                _host.Out.WriteLine("-- " + st.Where);
                _host.Out.WriteLine(st.Text.TrimEnd());
            }

            return 0;
        }

        /// <summary><c>seed --branch NAME</c> and <c>reset --branch NAME</c>.</summary>
        private async Task<int> OnBranchSeedAsync(ParseResult p, GovCloneSettings s, string lever, string name, SeedProfile profile, CancellationToken ct)
        {
            var lifecycle = new BranchLifecycle(s);
            var branch = BranchName.Of(s, name);
            if (p.GetValue(_dryRun))
            {
                return Plan(p, lever, lifecycle.On(branch), LeverPlan.Seed(lifecycle.On(branch), profile, p.GetValue(_purgeForeign)), BranchLock(s, branch));
            }

            await ConfirmDiscardAsync(p, lever, branch.Database, profile, "branch", ct, branch.Name);

            var r = await lifecycle.SeedAsync(name, profile, p.GetValue(_purgeForeign), ct);
            if (p.GetValue(_g.Json))
            {
                return Json.Result(lever, 0, new { changed = r.Changed, summary = r.Summary, clone = s.CloneDatabase, branch = branch.Name, database = branch.Database });
            }

            _console.MarkupLine($"{lever}: {(r.Changed ? "[yellow]changed[/]" : "no change")}: {Markup.Escape(r.Summary)}");
            return 0;
        }

        private static string BranchLock(GovCloneSettings s, BranchName branch) =>
            $"A branch lever first takes the branch's own run lock (a session advisory lock keyed by {branch.Database}, in {s.MaintenanceDatabase}; not the clone's), and waits at most {s.LockTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s for another run's.";

        private static object BranchVerifyJson(GovCloneSettings s, string name, VerifyResult result)
        {
            var branch = BranchName.Of(s, name);
            return new
            {
                profile = result.Profile.ToString().ToLowerInvariant(),
                passed = result.Passed,
                checks = result.Checks.Select(c => new { metric = c.Want.Name, have = c.Have?.Value, haveDetail = c.Have?.Detail, want = c.Want.Value, wantDetail = c.Want.Detail, ok = c.Ok }),
                clone = s.CloneDatabase,
                branch = branch.Name,
                database = branch.Database,
                masking = Rendering.MaskingJson(result.Masking),
            };
        }

        private static string State(BranchInfo b) => b.State switch
        {
            BranchState.Complete => "complete",
            BranchState.Incomplete => b.Sessions > 0 ? "[yellow]being made[/]" : "[yellow]incomplete[/]",
            BranchState.Unmarked => "[red]unmarked[/]",
            _ => "[red]invalid[/]",
        };
    }

    /// <summary>The marker's owner when neither --owner, $USER nor the OS account name gives a label.</summary>
    internal const string UnknownOwner = "unknown-user";

    /// <summary>The default owner: <paramref name="userVariable"/> ($USER), else <paramref name="accountName"/> (the OS account), else <see cref="UnknownOwner"/>.</summary>
    internal static string OwnerFrom(string? userVariable, string? accountName) =>
        BranchMarker.IsOwnerLabel(userVariable) ? userVariable!
        : BranchMarker.IsOwnerLabel(accountName) ? accountName!
        : UnknownOwner;

    /// <summary>One branch in <c>--json</c> documents (branch list, branch gc, branch create, status).</summary>
    internal static object BranchJson(BranchInfo b) => new
    {
        name = b.Name,
        database = b.Database,
        state = b.State.ToString().ToLowerInvariant(),
        complete = b.Complete,
        owner = b.Owner,
        createdAt = b.Marker?.Created?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ageSeconds = b.Age is { } age ? (long?)Math.Max(0, (long)age.TotalSeconds) : null,
        lastUsedAt = b.LastUse?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        idleSeconds = b.Idle is { } idle ? (long?)Math.Max(0, (long)idle.TotalSeconds) : null,
        sessions = b.Sessions,
        sizeBytes = b.SizeBytes,
        source = b.Marker?.Source,
        generation = b.Marker?.Generation,
        templateAt = b.Marker?.TemplateAt,
        connectRevokedFromPublic = b.ConnectRevokedFromPublic,
    };
}
