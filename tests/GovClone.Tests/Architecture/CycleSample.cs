// A deliberately cyclic pair (Low uses High, High uses Low) and a one-way Bottom, so that LayeringTests can show
// its check fails on a cycle and passes a one-way dependency. Nothing else uses these types.
namespace GovClone.Tests.Architecture.CycleSample.Bottom
{
    public sealed class BottomThing
    {
        public string Name { get; } = "bottom";
    }
}

namespace GovClone.Tests.Architecture.CycleSample.Low
{
    public sealed class LowThing
    {
        public High.HighThing? Up { get; set; }

        public Bottom.BottomThing Down { get; } = new();
    }
}

namespace GovClone.Tests.Architecture.CycleSample.High
{
    public sealed class HighThing
    {
        public Low.LowThing? Down { get; set; }
    }
}
