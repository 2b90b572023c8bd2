import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import { assignCopartitioned } from '../copartitioned-assignment';

/** kafkajs's assignor contract around assignCopartitioned (the protocol name is what members agree on). */
export const copartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'ReelstreamCopartitioned',
  version: 0,
  async assign({ members, topics }) {
    const assignment = assignCopartitioned(
      members.map(({ memberId }) => memberId),
      topics.map((topic) => ({
        topic,
        partitions: cluster.findTopicPartitionMetadata(topic).map((metadata) => metadata.partitionId),
      })),
    );
    return [...assignment].map(([memberId, topicPartitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: topicPartitions,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: 'ReelstreamCopartitioned',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
