using NUnit.Framework;
using TorchSharp;

namespace ReproKit.TorchSharp.Tests;

public sealed class LoadTests
{
    [Test]
    public void TorchLoadsAndComputes()
    {
        using var t = torch.ones(2);
        Assert.That(t.sum().item<float>(), Is.EqualTo(2f));
    }
}
