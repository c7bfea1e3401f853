using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace GovClone.Configuration;

/// <summary>
/// Reads and writes a Pulumi stack file (<c>Pulumi.&lt;stack&gt;.yaml</c>). Only the <c>config:</c> map
/// matters here. Values that Pulumi encrypted (<c>{ secure: … }</c>) cannot be read without Pulumi
/// and are reported as <see cref="SecureKeys"/>, never decoded.
/// </summary>
public sealed class StackFile
{
    private StackFile(IReadOnlyDictionary<string, string> values, IReadOnlyList<string> secureKeys)
    {
        Values = values;
        SecureKeys = secureKeys;
    }

    /// <summary>Plain values by full key (<c>govclone:cloneDatabase</c>); lists as JSON arrays.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>Keys whose values are Pulumi-encrypted.</summary>
    public IReadOnlyList<string> SecureKeys { get; }

    public static StackFile Read(string path)
    {
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new ConfigurationException(path, $"is not valid YAML ({ex.Start}: {ex.Message})", "fix the stack file's syntax (pulumi config set writes it correctly)");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var secure = new List<string>();
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            return new StackFile(values, secure);
        }

        if (!root.Children.TryGetValue(new YamlScalarNode("config"), out var configNode))
        {
            return new StackFile(values, secure);
        }

        if (configNode is not YamlMappingNode config)
        {
            throw new ConfigurationException(path, "'config' is not a map", "write config as key: value pairs");
        }

        foreach (var (keyNode, valueNode) in config.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            switch (valueNode)
            {
                case YamlScalarNode s:
                    values[key] = s.Value ?? string.Empty;
                    break;
                case YamlSequenceNode seq:
                    values[key] = JsonSerializer.Serialize(seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? string.Empty).ToArray());
                    break;
                case YamlMappingNode m when m.Children.ContainsKey(new YamlScalarNode("secure")):
                    secure.Add(key);
                    break;
                default:
                    throw new ConfigurationException(key, "has a value of an unsupported shape", "use a plain value, a list, or pulumi config set --secret");
            }
        }

        return new StackFile(values, secure);
    }

    /// <summary>Writes a stack file holding only plain <c>config</c> values (the sandbox's, the fault runner's).</summary>
    public static void Write(string path, IReadOnlyDictionary<string, string> config, string? headerComment = null)
    {
        var root = new YamlMappingNode();
        var map = new YamlMappingNode();
        foreach (var (key, value) in config.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            map.Add(key, new YamlScalarNode(value) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted });
        }

        root.Add("config", map);
        using var writer = new StreamWriter(path);
        if (headerComment is not null)
        {
            foreach (var line in headerComment.Split('\n'))
            {
                writer.WriteLine("# " + line);
            }
        }

        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
    }
}
