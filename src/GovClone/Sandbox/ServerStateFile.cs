using System.Text.Json;

namespace GovClone.Sandbox;

/// <summary>
/// The state file of a private server (<c>server.json</c> in its state folder): its port, binaries, superuser and
/// cluster folder, so a later process (<c>sandbox down</c>, the next test run) finds the server started earlier.
/// </summary>
/// <param name="ClusterDirectory">Null in files written before clusters could live elsewhere (the cluster is then in the state folder).</param>
internal sealed record ServerStateFile(int Port, string BinDirectory, string SuperUser, string? ClusterDirectory = null)
{
    private const string FileName = "server.json";

    /// <summary>The state file of <paramref name="stateDirectory"/>, or null when there is none.</summary>
    public static ServerStateFile? Read(string stateDirectory)
    {
        var file = Path.Combine(stateDirectory, FileName);
        return File.Exists(file) ? JsonSerializer.Deserialize<ServerStateFile>(File.ReadAllText(file))! : null;
    }

    public Task WriteAsync(string stateDirectory, CancellationToken ct) =>
        File.WriteAllTextAsync(Path.Combine(stateDirectory, FileName), JsonSerializer.Serialize(this), ct);
}
