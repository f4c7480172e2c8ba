using System.Reflection;
using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit.Tests;

/// <summary>The generated structs have exactly the sizes and field offsets libclang computed for the C header.</summary>
public class BindingLayoutTests
{
    [Test]
    public void EveryStructMatchesTheNativeLayout()
    {
        Assert.That(NativeLayout.Structs, Is.Not.Empty);
        foreach (NativeStructLayout s in NativeLayout.Structs)
        {
            Type? type = typeof(NativeMethods).Assembly.GetType($"ReproKit.Interop.{s.Name}");
            Assert.That(type, Is.Not.Null, s.Name);
            Assert.That(Marshal.SizeOf(type!), Is.EqualTo(s.Size), $"{s.Name} size");
            int managedSize = (int)typeof(System.Runtime.CompilerServices.Unsafe).GetMethod("SizeOf")!.MakeGenericMethod(type!).Invoke(null, null)!;
            Assert.That(managedSize, Is.EqualTo(s.Size), $"{s.Name} managed size");
            var fields = type!.GetFields(BindingFlags.Public | BindingFlags.Instance);
            Assert.That(fields.Select(f => f.Name), Is.EqualTo(s.Fields.Select(f => f.Name)), $"{s.Name} fields");
            foreach (NativeFieldLayout f in s.Fields)
            {
                Assert.That(Marshal.OffsetOf(type, f.Name).ToInt32(), Is.EqualTo(f.Offset), $"{s.Name}.{f.Name}");
            }
        }
    }
}
