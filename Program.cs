using GovCloneInfra;
using Pulumi;

// pulumi up converges to RETAIN (clone, seed, suite); pulumi destroy drops the clone.
// Settings are read and validated once, before any resource is registered.
return await Deployment.RunAsync(() => GovCloneProgram.Define(StackSettings.Load(new Config(GovClone.Configuration.SettingKeys.Namespace))));
