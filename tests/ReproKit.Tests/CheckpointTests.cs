using System.Text.Json;
using System.Text.Json.Nodes;
using ReproKit.Cli;
using ReproKit.Training;

namespace ReproKit.Tests;

/// <summary>
/// Training checkpoints: the file format refuses damaged files, saving is atomic, and a run resumed from any step (on
/// any ISA and thread count) ends with the uninterrupted run's epochs and digest.
/// </summary>
public class CheckpointTests
{
    private string dir = "";

    [SetUp]
    public void CreateFolder() => dir = Directory.CreateTempSubdirectory("reprokit-ckpt").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(dir, recursive: true);

    private static TrainingCheckpoint Small() => new(new JsonObject { ["run"] = "test", ["step"] = 3 },
        [new("a", [1f, -0f, float.NaN, float.Epsilon]), new("b", [])]);

    [Test]
    public void AFileReadsBackAsWritten()
    {
        string path = Path.Combine(dir, "c.ckpt");
        Small().Save(path);
        TrainingCheckpoint c = TrainingCheckpoint.Load(path);
        Assert.That((int)c.Metadata["step"]!, Is.EqualTo(3));
        Assert.That(c.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(c.Tensors[0].Data.Select(BitConverter.SingleToUInt32Bits),
            Is.EqualTo(new[] { 1f, -0f, float.NaN, float.Epsilon }.Select(BitConverter.SingleToUInt32Bits)));
        Assert.That(c.ToBytes(), Is.EqualTo(File.ReadAllBytes(path)), "the same checkpoint, the same bytes");
        Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1), "no temporary file is left behind");
    }

    [Test]
    public void DamagedFilesAreRefusedSayingHow()
    {
        byte[] good = Small().ToBytes();
        string Error(byte[] bytes) => Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Parse(bytes, "f.ckpt"))!.Message;

        Assert.That(Error(good[..(good.Length - 1)]), Does.StartWith("f.ckpt: truncated"));
        Assert.That(Error(good[..20]), Does.StartWith("f.ckpt: truncated"));
        Assert.That(Error([.. good, 0]), Does.Contain("bytes follow the end"));
        Assert.That(Error("{\"format\":1}"u8.ToArray()), Does.Contain("not a ReproKit checkpoint"));
        Assert.That(Error([]), Does.Contain("not a ReproKit checkpoint"));
        for (int at = 24; at < good.Length; at += 7)
        {
            byte[] altered = [.. good];
            altered[at] ^= 0x10;
            Assert.That(Error(altered), Does.Contain("checksum does not match"), $"byte {at}");
        }

        byte[] future = [.. good];
        future[8] = 2;
        Assert.That(Error(future), Does.Contain("format version 2; this library reads version 1"));
    }

    [Test]
    public void SavingReplacesTheFileWholeOrNotAtAll()
    {
        string path = Path.Combine(dir, "c.ckpt");
        Small().Save(path);
        new TrainingCheckpoint(new JsonObject { ["run"] = "bigger" }, [new("x", new float[1 << 16])]).Save(path);
        Assert.That(TrainingCheckpoint.Load(path).Tensors.Single().Data, Has.Length.EqualTo(1 << 16));
        // A save that cannot complete (the target's name is taken by a folder) fails and leaves no partial file behind.
        string taken = Path.Combine(dir, "taken");
        Directory.CreateDirectory(taken);
        Exception e = Assert.Catch(() => Small().Save(taken))!;
        Assert.That(e, Is.InstanceOf<IOException>().Or.InstanceOf<UnauthorizedAccessException>());
        Assert.That(Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "c.ckpt", "taken" }));
        Assert.That(Directory.GetFileSystemEntries(taken), Is.Empty);
        Assert.Throws<ArgumentException>(() => new TrainingCheckpoint(new JsonObject(), [new("x", []), new("x", [])]));
    }

    [Test]
    public void AResumedRunEndsAsTheUninterruptedOne([Values(0, 1, 17, 20, 41)] long stopAt)
    {
        var options = new DigitsTrainingOptions(Epochs: 3, Seed: 7);
        DigitsTrainingResult whole = DigitsTraining.Run(options);
        string path = Path.Combine(dir, "run.ckpt");
        DigitsTrainingResult first = DigitsTraining.Run(options, control: new DigitsRunControl(path, MaxSteps: stopAt));
        Assert.That(first.Finished, Is.False);
        Assert.That(first.Steps, Is.EqualTo(stopAt));
        Assert.That(first.TestAccuracy, Is.Null);
        // The second half on another ISA and thread count: the bits do not depend on them.
        using var other = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 3));
        DigitsTrainingResult rest = DigitsTraining.Run(options, other, control: new DigitsRunControl(Resume: TrainingCheckpoint.Load(path)));
        Assert.That(rest.Finished, Is.True);
        Assert.That(rest.Digest, Is.EqualTo(whole.Digest));
        Assert.That(rest.TestAccuracy, Is.EqualTo(whole.TestAccuracy));
        Assert.That(rest.Epochs.Select(e => (e.Epoch, e.Steps, e.MeanLoss, e.ValidationAccuracy, e.Digest)),
            Is.EqualTo(whole.Epochs.Select(e => (e.Epoch, e.Steps, e.MeanLoss, e.ValidationAccuracy, e.Digest))));
    }

    [Test]
    public void AdamWStateAndStepCountResumeToo()
    {
        var options = new DigitsTrainingOptions(Epochs: 2, LearningRate: 3e-3, Optimizer: "adamw", Seed: 4);
        string path = Path.Combine(dir, "adam.ckpt");
        DigitsTraining.Run(options, control: new DigitsRunControl(path, CheckpointEvery: 9, MaxSteps: 27));
        DigitsTrainingResult rest = DigitsTraining.Run(options, control: new DigitsRunControl(Resume: TrainingCheckpoint.Load(path)));
        Assert.That(rest.Digest, Is.EqualTo(DigitsTraining.Run(options).Digest));
    }

    [Test]
    public void TheSameRunWritesTheSameCheckpointOnEveryIsaAndThreadCount()
    {
        string? reference = null;
        foreach (var (isa, threads) in TestData.Backends().Where(b => b.Threads != 7))
        {
            using var c = new CpuContext(new CpuContextOptions(isa, threads));
            string path = Path.Combine(dir, $"{isa}-{threads}.ckpt");
            DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 1, Seed: 2), c, control: new DigitsRunControl(path, MaxSteps: 13));
            string digest = OutputDigest.Sha256<byte>(File.ReadAllBytes(path));
            reference ??= digest;
            Assert.That(digest, Is.EqualTo(reference), $"{isa} x{threads}");
        }
    }

    [Test]
    public void CancellationStopsAfterTheCurrentStepAndSaves()
    {
        string path = Path.Combine(dir, "stop.ckpt");
        using var stop = new CancellationTokenSource();
        DigitsTrainingResult r = DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 2), onStep: (_, batch, _, _) =>
        {
            if (batch == 5)
            {
                stop.Cancel();
            }
        }, control: new DigitsRunControl(path, Cancellation: stop.Token));
        Assert.That((r.Finished, r.Steps), Is.EqualTo((false, 5L)));
        Assert.That(DigitsTraining.ReadProgress(TrainingCheckpoint.Load(path)).Steps, Is.EqualTo(5));
    }

    [Test]
    public void ACheckpointOfAnotherRunIsRefused()
    {
        string path = Path.Combine(dir, "seed3.ckpt");
        DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 2, Seed: 3), control: new DigitsRunControl(path, MaxSteps: 25));
        TrainingCheckpoint c = TrainingCheckpoint.Load(path);
        Assert.That(Assert.Throws<InvalidDataException>(() => DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 2, Seed: 4),
            control: new DigitsRunControl(Resume: c)))!.Message, Does.Contain("other settings").And.Contain("seed 3"));
        Assert.That(Assert.Throws<InvalidDataException>(() => DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 1, Seed: 3),
            control: new DigitsRunControl(Resume: c)))!.Message, Does.Contain("raise --epochs"));
        // The epoch count may grow: the same run, continued.
        Assert.That(DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 3, Seed: 3), control: new DigitsRunControl(Resume: c)).Digest,
            Is.EqualTo(DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 3, Seed: 3)).Digest));
        Sequential other = new(new ReluLayer(), new LinearLayer(64, 10));
        Assert.That(Assert.Throws<InvalidDataException>(() => c.RestoreInto(other.StateArrays, "seed3.ckpt"))!.Message,
            Does.StartWith("seed3.ckpt: has no array '1.weight'"));
        Sequential narrower = new(new Conv2dLayer(1, 8, 3, padding: 1));
        Assert.That(Assert.Throws<InvalidDataException>(() => c.RestoreInto(narrower.StateArrays, "seed3.ckpt"))!.Message,
            Does.Contain("array '0.weight' has 144 values; the model's has 72"));
        var notDigits = new TrainingCheckpoint(new JsonObject { ["run"] = "mnist" }, []);
        Assert.That(Assert.Throws<InvalidDataException>(() => DigitsTraining.ReadOptions(notDigits))!.Message, Does.Contain("not the digits CNN"));
        var broken = new TrainingCheckpoint(new JsonObject { ["run"] = "digits-cnn", ["options"] = new JsonObject() }, []);
        Assert.That(Assert.Throws<InvalidDataException>(() => DigitsTraining.ReadOptions(broken))!.Message, Does.Contain("metadata is not a digits run's"));
    }
}

/// <summary><c>reprokit train</c> with checkpoints and manifests; <c>replay</c> and <c>compare</c> of training runs.</summary>
public class TrainCheckpointCliTests
{
    private string dir = "";

    [SetUp]
    public void CreateFolder() => dir = Directory.CreateTempSubdirectory("reprokit-train-cli").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => TestCli.Run(args);

    [Test]
    public void AnInterruptedDefaultRunResumesToTheRecordedDigest()
    {
        string ckpt = Path.Combine(dir, "digits.ckpt");
        var (code, output, err) = Run("train", "--checkpoint", ckpt, "--checkpoint-every", "30", "--max-steps", "130", "--threads", "1");
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("Stopped after step 130").And.Contain($"reprokit train --resume {ckpt}"));
        (code, output, err) = Run("train", "--resume", ckpt, "--threads", "2");
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("    6    120").And.Contain("(checkpoint)").And.Contain("resuming at step 130"));
        Assert.That(output, Does.Contain($"Final parameter digest: {DigitsTraining.RecordedDigest}  (= recorded)"));
    }

    [Test]
    public void ResumeTakesItsSettingsFromTheCheckpoint()
    {
        string ckpt = Path.Combine(dir, "c.ckpt");
        Assert.That(Run("train", "--epochs", "1", "--checkpoint", ckpt).Code, Is.Zero);
        var (code, _, err) = Run("train", "--resume", ckpt, "--lr", "0.1");
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(err, Does.Contain("--lr cannot be given with --resume"));
        (code, _, err) = Run("train", "--checkpoint-every", "5");
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(err, Does.Contain("--checkpoint-every needs --checkpoint FILE"));
        File.WriteAllBytes(ckpt, File.ReadAllBytes(ckpt)[..1000]);
        (code, _, err) = Run("train", "--resume", ckpt);
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(err, Does.Contain($"{ckpt}: truncated"));
    }

    [Test]
    public void ATrainingManifestReplaysAndComparesEpochByEpoch()
    {
        string a = Path.Combine(dir, "a.json"), b = Path.Combine(dir, "b.json"), c = Path.Combine(dir, "c.json");
        Assert.That(Run("train", "--epochs", "2", "--seed", "5", "--isa", "scalar", "--threads", "1", "--manifest", a).Code, Is.Zero);
        Assert.That(Run("train", "--epochs", "2", "--seed", "5", "--threads", "2", "--manifest", b).Code, Is.Zero);
        ReproManifest m = ReproManifest.Load(a);
        Assert.That(m.Calls[0].Operation, Is.EqualTo("train"));
        Assert.That(m.Calls[0].Epochs, Has.Count.EqualTo(2));
        Assert.That(m.Calls[0].Details["datasetDigest"], Is.EqualTo(ReproKit.Data.Digits.Load().Digest));
        Assert.That(m.Calls[0].Details["finalDigest"], Is.EqualTo(m.Calls[0].Epochs[^1].Digest));

        var (code, output, err) = Run("compare", a, b);
        Assert.That(code, Is.Zero, output + err);
        Assert.That(output, Does.Contain("all 2 epochs have the same parameter digests").And.Not.Contain("DIFFERENT parameters"));
        (code, output, err) = Run("replay", a, "--isa", "avx2", "--threads", "3");
        Assert.That(code, Is.Zero, output + err);
        Assert.That(output, Does.Contain("epoch 2").And.Contain("All 2 outputs reproduced bit for bit."));

        // Another machine whose second epoch differed: compare and replay name it.
        JsonNode altered = JsonNode.Parse(File.ReadAllText(a))!;
        altered["calls"]![0]!["epochs"]![1]!["digest"] = new string('0', 64);
        File.WriteAllText(c, altered.ToJsonString());
        (code, output, _) = Run("compare", a, c);
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(output, Does.Contain("the first epoch whose parameter digest differs: 2"));
        (code, output, _) = Run("replay", c);
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(output, Does.Contain("The first epoch whose parameter digest differs: call 0, epoch 2."));
    }

    [Test]
    public void AResumedRunsManifestNamesItsCheckpointsAndReplays()
    {
        string ckpt = Path.Combine(dir, "c.ckpt"), next = Path.Combine(dir, "d.ckpt"), m = Path.Combine(dir, "m.json");
        Assert.That(Run("train", "--epochs", "2", "--checkpoint", ckpt, "--max-steps", "25").Code, Is.Zero);
        var (code, _, err) = Run("train", "--resume", ckpt, "--checkpoint", next, "--manifest", m);
        Assert.That(code, Is.Zero, err);
        ManifestCall call = ReproManifest.Load(m).Calls[0];
        Assert.That(call.Inputs.Single().Role, Is.EqualTo("--resume"));
        Assert.That(call.Outputs.Single().Sha256, Is.EqualTo(OutputDigest.Sha256<byte>(File.ReadAllBytes(next))));
        (code, string output, err) = Run("replay", m, "--json");
        Assert.That(code, Is.Zero, output + err);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.That(doc.RootElement.GetProperty("mismatches").GetInt32(), Is.Zero);
        Assert.That(doc.RootElement.GetProperty("outputs").GetArrayLength(), Is.EqualTo(3), "the checkpoint and 2 epochs");
    }
}
