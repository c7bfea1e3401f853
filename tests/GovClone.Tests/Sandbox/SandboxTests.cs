using System.Text.Json;
using GovClone.Cli;
using GovClone.Sandbox;

namespace GovClone.Tests.Sandbox;

/// <summary>
/// The README's first command, as a new user runs it: from a checkout inside a folder only its owner may enter
/// (a home directory is 0700, and so is every <c>mktemp -d</c> folder). As root the server runs as the
/// <c>postgres</c> account, which cannot enter such a folder, so nothing the server reads may live in the checkout.
/// </summary>
public class SandboxTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string workingDirectory, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // No GOVCLONE_* variables: the sandbox's own stack file and pgpass file must be enough.
        var exit = await GovCloneCli.RunAsync(args, new CliHost(stdout, stderr, workingDirectory, new Dictionary<string, string>()) { IsTerminal = false });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Sandbox_up_works_from_a_checkout_inside_a_0700_folder_and_sandbox_down_removes_all_of_it()
    {
        var outer = Directory.CreateTempSubdirectory("govclone-private-").FullName; // what mktemp -d makes
        File.SetUnixFileMode(outer, OwnerOnly);
        var checkout = Path.Combine(outer, "gctest");
        Directory.CreateDirectory(checkout);
        await File.WriteAllTextAsync(Path.Combine(checkout, "Pulumi.yaml"), "name: govclone-infra\nruntime: dotnet\n");
        var state = Path.Combine(checkout, ".govclone", "sandbox", "server");
        try
        {
            var (exit, output, error) = await RunAsync(checkout, "sandbox", "up");
            Assert.True(exit == 0, $"sandbox up exited {exit}\n{error}\n{output}");
            Assert.Contains("up: converged", output, StringComparison.Ordinal);
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(outer)); // no folder above the checkout was opened up

            (exit, output, error) = await RunAsync(checkout, "status", "--stack", "sandbox", "--json");
            Assert.True(exit == 0, error);
            using (var status = JsonDocument.Parse(output))
            {
                Assert.True(status.RootElement.GetProperty("complete").GetBoolean());
            }

            // The server's own files live outside the checkout, where the account that runs it can reach them.
            var cluster = LocalPostgresServer.ClusterDirectoryFor(state);
            Assert.True(Directory.Exists(Path.Combine(cluster, "data")), cluster);
            Assert.False(cluster.StartsWith(outer + "/", StringComparison.Ordinal), cluster);

            (exit, output, error) = await RunAsync(checkout, "sandbox", "down");
            Assert.True(exit == 0, error);
            Assert.Contains("stopped and removed", output, StringComparison.Ordinal);
            Assert.False(Directory.Exists(cluster), $"sandbox down left {cluster}");
            Assert.False(Directory.Exists(Path.Combine(checkout, ".govclone", "sandbox")));
            Assert.False(File.Exists(Path.Combine(checkout, "Pulumi.sandbox.yaml")));
        }
        finally
        {
            await RunAsync(checkout, "sandbox", "down");
            Directory.Delete(outer, recursive: true);
        }
    }
}
