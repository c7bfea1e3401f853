using System.Collections.Immutable;
using GovClone.Deploy;
using Pulumi;
using Local = Pulumi.Command.Local;
using Pg = Pulumi.PostgreSql;

namespace GovCloneInfra;

/// <summary>
/// Turns the core's <see cref="PlannedResource"/>s into Pulumi resources, one to one: the same names, types,
/// inputs and options. Keeps every resource by name so options can name others (dependsOn, provider, deletedWith).
/// The only values added here are the secrets, as secret Outputs.
/// </summary>
public sealed class PlannedResources
{
    private readonly Dictionary<string, Resource> _byName = new(StringComparer.Ordinal);

    public PlannedResources(StackSettings stack)
    {
        Stack = stack ?? throw new ArgumentNullException(nameof(stack));
    }

    public StackSettings Stack { get; }

    public DeployPlan Plan => Stack.Plan;

    public Resource this[string name] => _byName[name];

    public T Get<T>(string name)
        where T : Resource => (T)_byName[name];

    internal void Add(string name, Resource resource) => _byName.Add(name, resource);

    /// <summary>Creates every child the plan gives <paramref name="component"/>, in plan order.</summary>
    internal void CreateChildren(ComponentResource component, string name)
    {
        foreach (var r in Plan.ChildrenOf(name))
        {
            _byName.Add(r.Name, Create(r, component));
        }
    }

    private CustomResource Create(PlannedResource r, ComponentResource parent)
    {
        var options = Options(r, parent);
        return r.Type switch
        {
            ResourceTypes.PostgresProvider => Provider(r, options),
            ResourceTypes.Database => new Pg.Database(r.Name, new Pg.DatabaseArgs { Name = (string)r.Inputs["name"]! }, options),
            ResourceTypes.Grant => new Pg.Grant(r.Name, new Pg.GrantArgs
            {
                Database = (string)r.Inputs["database"]!,
                Role = (string)r.Inputs["role"]!,
                ObjectType = (string)r.Inputs["objectType"]!,
                // An empty privilege list for PUBLIC revokes the default CONNECT/TEMPORARY.
                Privileges = new InputList<string>(),
            }, options),
            ResourceTypes.LocalCommand => Command(r, options),
            _ => throw new InvalidOperationException($"the plan has a resource of a type the program cannot create: {r.Type} ({r.Name})"),
        };
    }

    private Local.Command Command(PlannedResource r, CustomResourceOptions options)
    {
        var step = r.Command!;
        // Each trigger as the Input<object> the Command's list holds (a plain object value needs wrapping: a cast would unbox).
        var triggers = new InputList<object>();
        foreach (var t in step.Triggers)
        {
            Input<object> trigger = Output.Create(t);
            triggers.Add([trigger]);
        }

        var args = new Local.CommandArgs
        {
            Create = step.Create,
            Triggers = triggers,
            Environment = Environment(step),
            AddPreviousOutputInEnv = false,
            Logging = Local.Logging.StdoutAndStderr,
        };
        if (step.Update is not null)
        {
            args.Update = step.Update;
        }

        if (step.Delete is not null)
        {
            args.Delete = step.Delete;
        }

        return new Local.Command(r.Name, args, options);
    }

    private Pg.Provider Provider(PlannedResource r, CustomResourceOptions options)
    {
        var args = new Pg.ProviderArgs
        {
            Host = (string)r.Inputs["host"]!,
            Port = (int)r.Inputs["port"]!,
            Username = (string)r.Inputs["username"]!,
            Database = (string)r.Inputs["database"]!,
            Sslmode = (string)r.Inputs["sslmode"]!,
            ConnectTimeout = (int)r.Inputs["connectTimeout"]!,
        };
        if (r.Inputs["password"] is SecretInput password)
        {
            args.Password = Secret(password);
        }

        return new Pg.Provider(r.Name, args, options);
    }

    /// <summary>
    /// The Command's environment: the plan's plain <c>GOVCLONE_*</c> values and the secrets filled in from secret
    /// config. The whole map is a secret Output, so the engine stores and shows it encrypted (and
    /// <c>additionalSecretOutputs</c> keeps the provider's echo of it secret too).
    /// </summary>
    public Output<ImmutableDictionary<string, string>> Environment(CommandStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var env = Output.Create(step.Environment.ToImmutableDictionary(StringComparer.Ordinal));
        foreach (var (variable, secret) in step.SecretEnvironment)
        {
            env = Output.Tuple(env, Secret(secret)).Apply(t => t.Item1.SetItem(variable, t.Item2));
        }

        return Output.CreateSecret(env);
    }

    private Output<string> Secret(SecretInput secret) => secret.Name switch
    {
        SecretInput.Password => Stack.Password ?? throw new InvalidOperationException("the plan uses a password the stack does not have"),
        SecretInput.SshPrivateKey => Stack.SshPrivateKey ?? throw new InvalidOperationException("the plan uses an ssh key the stack does not have"),
        _ => throw new InvalidOperationException("unknown secret " + secret.Name),
    };

    private CustomResourceOptions Options(PlannedResource r, ComponentResource parent)
    {
        var options = new CustomResourceOptions
        {
            Parent = parent,
            DependsOn = r.DependsOn.Select(d => _byName[d]).ToArray(),
            DeleteBeforeReplace = r.DeleteBeforeReplace ? true : null,
            RetainOnDelete = r.RetainOnDelete ? true : null,
            DeletedWith = r.DeletedWith is null ? null : _byName[r.DeletedWith],
            Aliases = r.Aliases.Select(a => (Input<Alias>)(a.Type is null ? new Alias { Name = a.Name } : new Alias { Name = a.Name, Type = a.Type })).ToList(),
            AdditionalSecretOutputs = [.. r.AdditionalSecretOutputs],
            // Merged by the SDK with its own (a Command's constructor adds triggers[*]).
            ReplaceOnChanges = [.. r.ReplaceOnChanges],
        };
        if (r.Provider is not null)
        {
            options.Provider = (ProviderResource)_byName[r.Provider];
        }

        if (r.CreateTimeout is not null || r.UpdateTimeout is not null || r.DeleteTimeout is not null)
        {
            options.CustomTimeouts = new CustomTimeouts { Create = r.CreateTimeout, Update = r.UpdateTimeout, Delete = r.DeleteTimeout };
        }

        return options;
    }
}
