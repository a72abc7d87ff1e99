// The opcode table is consistent with itself and with what derives from it: slots name real slots, the printer
// spells every keyword, the decoder names the slot that does not fit, and the enum codes are the file format's.

import TFECore
import Testing

@testable import TFEBytecode

@Suite struct OpcodeTableTests {
    static let opcodes = Opcode.allCases.filter { $0 != .invalid }

    @Test func mnemonicsAreUniqueLowercaseWords() {
        let mnemonics = Opcode.allCases.map(\.mnemonic)
        #expect(Set(mnemonics).count == mnemonics.count)
        for mnemonic in mnemonics { #expect(mnemonic.allSatisfy { $0.isLowercase || $0.isNumber }, "\(mnemonic)") }
    }

    /// Slot names are unique per opcode, selectors name their enum, spellings fit the slot's kind, and a
    /// `shownWhen` condition points at a selector slot.
    @Test(arguments: opcodes)
    func slotsAreWellFormed(_ opcode: Opcode) {
        let slots = opcode.spec.operands
        #expect(Set(slots.map(\.name)).count == slots.count)
        for slot in slots {
            #expect((slot.kind == .selector) == (slot.selector != nil), "\(slot.name)")
            switch slot.spelling {
            case .afterMnemonic: #expect(slot.kind == .selector, "\(slot.name)")
            case .axis: #expect(slot.kind == .integer, "\(slot.name)")
            case .keyword:
                #expect(slot.kind == .integer || slot.kind == .integers || slot.kind == .selector, "\(slot.name)")
            case .plain: #expect(slot.kind != .integer && slot.kind != .selector, "\(slot.name)")
            }
            if let shown = slot.shownWhen {
                #expect(shown.slot < slots.count && slots[shown.slot].kind == .selector, "\(slot.name)")
            }
        }
    }

    /// The table's generic rules fit the slots they read: an element-wise opcode has one destination and one to
    /// three source registers (`Verifier.checkElementwise`), a `.sourceKind` one has one of each
    /// (`RangePlan.visit`).
    @Test(arguments: opcodes)
    func rulesFitTheSlots(_ opcode: Opcode) {
        let kinds = opcode.spec.operands.map(\.kind)
        let destinations = kinds.filter { $0 == .destination }.count
        let sources = kinds.filter { $0 == .source }.count
        if case .elementwise(let maxPrivate) = opcode.shapeRule {
            #expect(destinations == 1 && (1...3).contains(sources) && !kinds.contains(.sources))
            #expect((0...sources).contains(maxPrivate))
        }
        if opcode.rangeRule == .sourceKind {
            #expect(destinations == 1 && sources == 1 && !kinds.contains(.sources))
        }
    }

    /// Every opcode reaches a rule in the verifier: the table's, or its own in `checkOwnRule` (a chain of
    /// `if case`, which the compiler does not check for completeness). Each sample runs alone in a program
    /// whose register tables are sound, so the verifier gets as far as the operand rules.
    @Test(arguments: Samples.instructions)
    func verifierHasARuleForEveryOpcode(_ instruction: Instruction) {
        var program = Samples.program
        program.publicRegisters = Array(repeating: RegisterInfo(.int, .scalar), count: Samples.big + 1)
        let isPreprocessing = instruction.opcode.isPreprocessing
        program.offline = [Round(isPreprocessing ? [instruction] : [])]
        program.online = isPreprocessing ? [] : [Round([instruction])]
        program.locations = [SourceLocation(line: 1, column: 1)]
        let problems = Verifier.problems(in: program)
        #expect(!problems.contains { $0.kind == .invalidOperands }, "\(problems.map(\.message))")
        // The operand rules ran: a program of one instruction reads registers nobody wrote or leaves some unread,
        // but no register table or index problem stopped the verifier before them.
        #expect(!problems.contains { $0.kind == .registerTable || $0.kind == .indexOutOfRange })
    }

    /// Every flow counts register slots, names a player slot or a local register's slot, and conditions on a
    /// register slot; the phase agrees with the flows.
    @Test(arguments: opcodes)
    func flowsNameRealSlots(_ opcode: Opcode) {
        let slots = opcode.spec.operands
        func isRegister(_ slot: Int) -> Bool {
            slot < slots.count && (slots[slot].kind == .destination || slots[slot].kind == .source)
        }
        for flow in opcode.spec.flows {
            if flow.seeds > 0 {
                #expect(flow.elementsOf.isEmpty)
            } else {
                #expect(!flow.elementsOf.isEmpty && flow.elementsOf.allSatisfy(isRegister))
                #expect(flow.factor > 0 && flow.elementBytes > 0)
            }
            for party in [flow.from, flow.to] {
                switch party {
                case .server0, .server1, .server2: break
                case .player(let slot): #expect(slot < slots.count && slots[slot].kind == .player)
                case .owner(let slot): #expect(isRegister(slot) && slots[slot].registers == .local)
                }
            }
            switch flow.when {
            case .always: break
            case .notLocal(let slot), .isPrivate(let slot), .isPublic(let slot):
                #expect(isRegister(slot) && slots[slot].registers == .any)
            }
        }
        switch opcode.spec.phase {
        case .local: #expect(opcode.spec.flows.isEmpty)
        case .online: #expect(!opcode.spec.flows.isEmpty)
        case .preprocessing: break
        }
    }

    /// What the raw-value ranges used to say, except that `load` and `mask` send nothing.
    @Test func phasesAndSeeds() {
        let interactive = Set(Opcode.allCases.filter(\.isInteractive))
        #expect(!interactive.contains(.load) && !interactive.contains(.mask))
        let formerlyInteractive = Set(Opcode.allCases.filter { (32..<80).contains($0.rawValue) })
        let replicated = Set(Opcode.allCases.filter { (128..<160).contains($0.rawValue) })
            .subtracting([.booleanXor, .shiftLeft, .shiftRight, .component, .replicatedStore, .replicatedLoad])
        #expect(interactive == formerlyInteractive.subtracting([.load, .mask]).union(replicated))
        let preprocessing: Set<Opcode> = [
            .triple, .squarePair, .truncPair, .mask, .product, .load, .divPair, .msbPair, .replicatedLoad,
        ]
        #expect(Set(Opcode.allCases.filter(\.isPreprocessing)) == preprocessing)
        let onlineSecureNN = Set(Opcode.allCases.filter { (65..<80).contains($0.rawValue) })
        let seededABY3: Set<Opcode> = [.replicatedProduct, .replicatedTruncFinish, .replicatedDivFinish, .booleanAnd]
        #expect(Set(Opcode.allCases.filter(\.needsSeeds)) == onlineSecureNN.union(seededABY3))
        #expect(Set(Opcode.allCases.filter(\.usesServerPairSeed))
            == [.shareConvertMask, .privateCompare, .msbOpen, .replicatedProduct, .booleanAnd])
        #expect(!Opcode.load.expandsDealerSeeds && Opcode.mask.expandsDealerSeeds)
    }

    /// Only input and output depend on register kinds: a local value travels nowhere.
    @Test func communicationFollowsRegisterKinds() {
        let (s, p, l) = (PrivateRegister(0), PublicRegister(0), LocalRegister(0))
        let client = PlayerID(3)
        #expect(!Instruction.input(dst: .local(l), player: client, name: "x").communicates)
        #expect(Instruction.input(dst: .public(p), player: client, name: "x").communicates)
        #expect(!Instruction.output(player: client, name: "y", src: .local(l)).communicates)
        #expect(Instruction.output(player: client, name: "y", src: .private(s)).communicates)
        #expect(!Instruction.mask(s).communicates && !Instruction.load(mask: s, opened: p, name: "w").communicates)
        #expect(Instruction.open(dst: p, src: s).communicates)
        #expect(!Instruction.add(dst: .private(s), lhs: .private(s), rhs: .public(p)).communicates)
        #expect(Instruction.replicatedInput(dst: .public(p), player: client, name: "x").communicates)
        #expect(!Instruction.replicatedInput(dst: .local(l), player: client, name: "x").communicates)
    }

    /// The printer spells every keyword slot of every sample that is shown, after its registers.
    @Test(arguments: Samples.instructions)
    func printerSpellsEveryKeyword(_ instruction: Instruction) {
        let text = Samples.program.asm(of: instruction)
        let slots = instruction.opcode.spec.operands
        let values = instruction.operands
        #expect(text.contains(instruction.opcode.mnemonic))
        for (slot, value) in zip(slots, values) {
            if let shown = slot.shownWhen, values[shown.slot] != .selector(shown.code) { continue }
            switch slot.spelling {
            case .keyword(let keyword): #expect(text.contains(" \(keyword)="), "\(text)")
            case .axis: #expect(text.contains(" axis="), "\(text)")
            case .afterMnemonic:
                guard case .selector(let code) = value, let names = slot.selector?.names else { continue }
                #expect(text.contains("\(instruction.opcode.mnemonic) \(names[Int(code)])"), "\(text)")
            case .plain: break
            }
        }
    }

    @Test func mismatchNamesTheSlot() {
        let p = OperandValue.register(.public(PublicRegister(0)))
        let l = OperandValue.register(.local(LocalRegister(0)))
        func mismatch(_ opcode: Opcode, _ values: [OperandValue]) -> String? {
            Instruction.mismatch(opcode: opcode, operands: values)
        }
        #expect(mismatch(.open, [p, l]) == "operand 2 ('src') must be a private register")
        #expect(mismatch(.open, [p]) == "it takes 2 operands, not 1")
        #expect(mismatch(.map, [l, l, .selector(200)]) == "operand 3 ('function') has no meaning 200")
        #expect(mismatch(.neg, [l, .integer(0)]) == "operand 2 ('src') is not of kind 'source'")
        #expect(mismatch(.neg, [l, l]) == nil)
    }

    /// The bytes the file format stores for each enum: fixed forever, distinct, and read back.
    @Test func enumCodes() {
        #expect(ProtocolKind.allCases.map(\.binaryCode) == [0, 1, 2])
        #expect(ElementType.allCases.map(\.binaryCode) == [0, 1])
        #expect(IODeclaration.Disclosure.allCases.map(\.binaryCode) == [0, 1, 2])
        #expect(Padding.codes.map(\.code) == [0, 1])
        #expect(Padding.codes.allSatisfy { Padding(code: $0.code) == $0 } && Padding(code: 2) == nil)
        #expect(TripleKind.Code.allCases.map(\.name) == ["mul", "matmul", "conv2d"])
        #expect(TripleKind.conv2d(stride: 1, padding: .same).code == .conv2d)
    }

    /// A selector's asm name at position k is the name of the case whose code is k (the element-wise functions
    /// are listed in the language's order, not their codes').
    @Test func selectorNamesAreInCodeOrder() {
        for function in MapFunction.allCases {
            #expect(SelectorKind.mapFunction.names[Int(function.rawValue)] == function.name)
        }
        for comparison in Comparison.allCases {
            #expect(SelectorKind.comparison.names[Int(comparison.rawValue)] == comparison.name)
        }
    }

    /// The first offline round carries server2's seeds, and server0's when SecureNN draws common randomness.
    @Test func seedMessages() {
        let pond = CostModel.seedMessages(phase: .offline, number: 0, usesServerPairSeed: false)
        #expect(pond.map(\.from) == [.server2, .server2] && pond.map(\.to) == [.server0, .server1])
        #expect(pond.allSatisfy { $0.bytes == WireFormat.seedBytes })
        let secureNN = CostModel.seedMessages(phase: .offline, number: 0, usesServerPairSeed: true)
        #expect(secureNN.count == 3 && secureNN[2].from == .server0 && secureNN[2].to == .server1)
        #expect(CostModel.seedMessages(phase: .offline, number: 1, usesServerPairSeed: true).isEmpty)
        #expect(CostModel.seedMessages(phase: .online, number: 0, usesServerPairSeed: true).isEmpty)
    }
}
