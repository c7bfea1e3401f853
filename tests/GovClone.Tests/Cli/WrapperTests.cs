using GovClone.Processes;
using GovClone.Tests.Support;

namespace GovClone.Tests.Cli;

/// <summary>
/// The <c>./govclone</c> wrapper builds only when a source the CLI compiles changed (scripts/cli-stale decides; obj/ and
/// bin/ are build output, which a Debug build or <c>dotnet test</c> rewrites), so a call right after <c>dotnet test</c>
/// prints nothing but its own output.
/// </summary>
public class WrapperTests
{
    private static readonly string Root = InProcessCli.RepoRoot;

    [Fact]
    public async Task Cli_stale_is_true_only_for_a_newer_source_never_for_build_output()
    {
        var root = Directory.CreateTempSubdirectory("govclone-stale-").FullName;
        try
        {
            var old = DateTime.UtcNow.AddHours(-2);
            var built = DateTime.UtcNow.AddHours(-1);
            string Make(string relative, DateTime time)
            {
                var path = Path.Combine(root, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, relative);
                File.SetLastWriteTimeUtc(path, time);
                return path;
            }

            var sources = new[]
            {
                "src/GovClone/Lifecycle/CloneLifecycle.cs", "src/GovClone/GovClone.csproj", "src/GovClone.Cli/Program.cs", "src/GovClone.Cli/GovClone.Cli.csproj",
                "sql/seed_committed_state.sql", "sql/engine/swap.sql", "sql/branch/branch_guard.sql", "engine/main.sh", "Directory.Build.props",
            };
            foreach (var s in sources)
            {
                Make(s, old);
            }

            var stamp = Make("src/GovClone.Cli/bin/govclone/.govclone-build-stamp", built);
            Make("src/GovClone.Cli/bin/govclone/GovClone.Cli.dll", built);
            async Task<ProcessResult> Stale() => await ProcessRunner.RunAsync(new ProcessSpec(Path.Combine(Root, "scripts", "cli-stale"), [root]));

            Assert.Equal((1, string.Empty), ((await Stale()).ExitCode, (await Stale()).StandardOutput));

            // What a Debug build and `dotnet test` write: newer, and never a reason to build.
            foreach (var output in new[]
            {
                "src/GovClone/obj/Debug/net10.0/GovClone.AssemblyInfo.cs", "src/GovClone.Cli/obj/Debug/net10.0/GovClone.Cli.GlobalUsings.g.cs",
                "src/GovClone.Cli/obj/project.assets.json", "src/GovClone.Cli/bin/Debug/net10.0/GovClone.Cli.dll", "src/GovClone/bin/Debug/net10.0/GovClone.deps.json",
                "tests/GovClone.Tests/Some.cs", "README.md",
            })
            {
                Make(output, DateTime.UtcNow);
            }

            Assert.Equal(1, (await Stale()).ExitCode);

            // Any source newer than the stamp: build, naming it.
            foreach (var s in sources)
            {
                File.SetLastWriteTimeUtc(Path.Combine(root, s), DateTime.UtcNow);
                var r = await Stale();
                Assert.Equal((0, Path.Combine(root, s) + "\n"), (r.ExitCode, r.StandardOutput));
                File.SetLastWriteTimeUtc(Path.Combine(root, s), old);
            }

            File.Delete(stamp);
            Assert.Equal(0, (await Stale()).ExitCode); // never built by the wrapper (or a build that failed): build
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Govclone_status_right_after_a_debug_build_prints_no_build_output()
    {
        var wrapper = Path.Combine(Root, "govclone");
        // First use builds the Release CLI if nothing built it yet (it may print the build).
        var first = await ProcessRunner.RunAsync(new ProcessSpec(wrapper, ["--help"]) { WorkingDirectory = Root });
        Assert.True(first.Succeeded, first.StandardError);
        var stamp = Path.Combine(Root, "src", "GovClone.Cli", "bin", "govclone", ".govclone-build-stamp");
        var builtAt = File.GetLastWriteTimeUtc(stamp);

        // This test runs after a Debug build of the solution; build output written after the wrapper's last build (as
        // the AssemblyInfo.cs files of obj/Debug are, by every test build) must not make it build again.
        var debugOutput = new[]
        {
            Path.Combine(Root, "src", "GovClone.Cli", "obj", "Debug", "net10.0", "govclone-wrapper-test.AssemblyInfo.cs"),
            Path.Combine(Root, "src", "GovClone", "bin", "Debug", "net10.0", "govclone-wrapper-test.cs"),
        };
        try
        {
            foreach (var f in debugOutput)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(f)!);
                await File.WriteAllTextAsync(f, "// written by WrapperTests, as a build writes obj/ and bin/\n");
            }

            // status on a server nobody listens on: it fails fast, with its own message and nothing else.
            var status = await ProcessRunner.RunAsync(new ProcessSpec(wrapper, ["status", "--no-stack-file", "-c", "port=1", "-c", "transport=local"])
            {
                WorkingDirectory = Root,
                Environment = new Dictionary<string, string?> { ["GOVCLONE_PASSWORD"] = "unused" },
            });
            Assert.Equal(2, status.ExitCode);
            Assert.Equal(string.Empty, status.StandardOutput);
            Assert.StartsWith("govclone: govclone:host: cannot reach 127.0.0.1:1", status.StandardError, StringComparison.Ordinal);
            Assert.DoesNotMatch("(?i)build|warning|error CS|Restore|Determining projects|Time Elapsed", status.StandardError);
            Assert.Equal(builtAt, File.GetLastWriteTimeUtc(stamp));
        }
        finally
        {
            foreach (var f in debugOutput)
            {
                File.Delete(f);
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_wrapper_falls_back_to_a_plain_release_build_when_publish_fails_and_runs_nothing_when_both_fail(bool buildWorks)
    {
        // A copy of the wrapper and scripts/cli-stale in a folder without a build, and a dotnet on PATH that logs its
        // arguments, fails every publish (a platform the SDK cannot publish ReadyToRun for, or a feed without the
        // runtime pack), and builds (an empty dll in -o) or fails as the case says; `dotnet DLL ARGS` says what it ran.
        var root = Directory.CreateTempSubdirectory("govclone-wrapper-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "scripts"));
            Directory.CreateDirectory(Path.Combine(root, "src", "GovClone.Cli"));
            File.Copy(Path.Combine(Root, "govclone"), Path.Combine(root, "govclone"));
            File.Copy(Path.Combine(Root, "scripts", "cli-stale"), Path.Combine(root, "scripts", "cli-stale"));
            var bin = Directory.CreateDirectory(Path.Combine(root, "fake-bin")).FullName;
            var log = Path.Combine(root, "dotnet.log");
            var dotnet = Path.Combine(bin, "dotnet");
            await File.WriteAllTextAsync(dotnet, $$"""
                #!/usr/bin/env bash
                printf '%s\n' "$*" >> '{{log}}'
                case "$1" in
                  publish) echo 'error NETSDK1094: Unable to optimize assemblies for performance' >&2; exit 1 ;;
                  build)
                    {{(buildWorks ? "" : "echo 'error CS1002: ; expected' >&2; exit 1")}}
                    out=''; prev=''
                    for a in "$@"; do if [ "$prev" = -o ]; then out="$a"; fi; prev="$a"; done
                    mkdir -p "$out" && : >"$out/GovClone.Cli.dll" ;;
                  *) echo "ran: $*" ;;
                esac
                """);
            File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var spec = new ProcessSpec(Path.Combine(root, "govclone"), ["--version"])
            {
                WorkingDirectory = root,
                Environment = new Dictionary<string, string?> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") },
            };
            var output = Path.Combine(root, "src", "GovClone.Cli", "bin", "govclone");
            var stamp = Path.Combine(output, ".govclone-build-stamp");

            var first = await ProcessRunner.RunAsync(spec);
            var calls = await File.ReadAllLinesAsync(log);
            Assert.StartsWith($"publish {root}/src/GovClone.Cli -c Release -r ", calls[0], StringComparison.Ordinal);
            Assert.Contains(" -p:PublishReadyToRun=true ", calls[0], StringComparison.Ordinal);
            Assert.Equal($"build {root}/src/GovClone.Cli -c Release -o {output} --nologo -v quiet -clp:NoSummary", calls[1]);
            if (!buildWorks)
            {
                // Both failed: the wrapper fails with the build's error, runs no CLI, and leaves no stamp (the next call builds).
                Assert.NotEqual(0, first.ExitCode);
                Assert.Contains("error CS1002", first.StandardError, StringComparison.Ordinal);
                Assert.Equal(2, calls.Length);
                Assert.False(File.Exists(stamp));
                return;
            }

            Assert.True(first.Succeeded, first.StandardError);
            Assert.Equal($"ran: {output}/GovClone.Cli.dll --version\n", first.StandardOutput);
            Assert.True(File.Exists(stamp));
            Assert.False(File.Exists(stamp + ".new"));

            // Built now: the next call only runs the CLI.
            var second = await ProcessRunner.RunAsync(spec);
            Assert.True(second.Succeeded, second.StandardError);
            var after = await File.ReadAllLinesAsync(log);
            Assert.Equal(calls.Append($"{output}/GovClone.Cli.dll --version"), after);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
