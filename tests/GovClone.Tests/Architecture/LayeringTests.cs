using System.Reflection;
using GovClone.Configuration;
using NetArchTest.Rules;

namespace GovClone.Tests.Architecture;

/// <summary>
/// The core is layered: each namespace may use the ones below it and never one above, so there is no cycle.
/// The order, lowest first, is the one ARCHITECTURE.md draws.
/// </summary>
public class LayeringTests
{
    /// <summary>The core's namespaces, lowest first. A namespace may depend only on those listed before it.</summary>
    public static readonly IReadOnlyList<string> CoreLayers =
    [
        "GovClone.Guards",
        "GovClone.Configuration",
        "GovClone.Processes",
        "GovClone.Sql",
        "GovClone.Transport",
        "GovClone.Engine",
        "GovClone.Masking",
        "GovClone.Decision",
        "GovClone.Branches",
        "GovClone.Lifecycle",
        "GovClone.Deploy",
        "GovClone.Sandbox",
    ];

    private static Assembly Core => typeof(GovCloneSettings).Assembly;

    /// <summary>
    /// Every dependency of a type in a layer on a layer above it, as "type → layer".
    /// Empty when the layers only point downwards.
    /// </summary>
    public static IReadOnlyList<string> UpwardDependencies(Assembly assembly, IReadOnlyList<string> layers)
    {
        var found = new List<string>();
        for (var low = 0; low < layers.Count; low++)
        {
            for (var high = low + 1; high < layers.Count; high++)
            {
                var result = Types.InAssembly(assembly)
                    .That().ResideInNamespace(layers[low])
                    .ShouldNot().HaveDependencyOn(layers[high])
                    .GetResult();
                if (!result.IsSuccessful)
                {
                    found.AddRange(result.FailingTypeNames.Select(t => $"{t} → {layers[high]}"));
                }
            }
        }

        return found;
    }

    [Fact]
    public void Every_core_layer_depends_only_on_layers_below_it()
    {
        var upward = UpwardDependencies(Core, CoreLayers);
        Assert.True(upward.Count == 0, "upward dependencies:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void Every_core_namespace_is_in_the_layer_list()
    {
        var unlisted = Core.GetTypes()
            .Select(t => t.Namespace)
            .OfType<string>()
            .Where(ns => ns != "GovClone" && !ns.StartsWith("System", StringComparison.Ordinal)
                && !ns.StartsWith("Microsoft", StringComparison.Ordinal))
            .Where(ns => !CoreLayers.Any(layer => ns == layer || ns.StartsWith(layer + ".", StringComparison.Ordinal)))
            .Distinct()
            .ToList();
        Assert.True(unlisted.Count == 0, "namespaces missing from CoreLayers: " + string.Join(", ", unlisted));
    }

    [Fact]
    public void The_core_has_no_pulumi_reference()
    {
        Assert.DoesNotContain(Core.GetReferencedAssemblies(), a => a.Name!.StartsWith("Pulumi", StringComparison.Ordinal));
        var result = Types.InAssembly(Core).ShouldNot().HaveDependencyOn("Pulumi").GetResult();
        Assert.True(result.IsSuccessful, "types using Pulumi: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void The_check_reports_a_cycle()
    {
        // CycleSample.Low and CycleSample.High use each other: whichever is put lower, one of them points up.
        var low = typeof(CycleSample.Low.LowThing).Namespace!;
        var high = typeof(CycleSample.High.HighThing).Namespace!;
        var upward = UpwardDependencies(typeof(LayeringTests).Assembly, [low, high]);
        Assert.Contains(upward, v => v.Contains("LowThing", StringComparison.Ordinal) && v.EndsWith(high, StringComparison.Ordinal));
        var reversed = UpwardDependencies(typeof(LayeringTests).Assembly, [high, low]);
        Assert.Contains(reversed, v => v.Contains("HighThing", StringComparison.Ordinal) && v.EndsWith(low, StringComparison.Ordinal));
    }

    [Fact]
    public void The_check_passes_a_one_way_pair()
    {
        var low = typeof(CycleSample.Low.LowThing).Namespace!;
        var bottom = typeof(CycleSample.Bottom.BottomThing).Namespace!;
        Assert.Empty(UpwardDependencies(typeof(LayeringTests).Assembly, [bottom, low]));
    }
}
